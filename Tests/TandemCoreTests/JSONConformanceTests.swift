import Testing
import TandemCore

/// JSONTestSuite-style cases: `y_` texts must parse to the given value, `n_` texts must be refused.
struct JSONConformanceTests {
    struct Accepted: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        let value: JSONValue
        var testDescription: String { name }
    }

    struct Refused: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let kind: JSONParseError.Kind
        init(_ name: String, _ text: String, _ kind: JSONParseError.Kind) {
            self.name = name
            self.bytes = Array(text.utf8)
            self.kind = kind
        }
        init(_ name: String, bytes: [UInt8], _ kind: JSONParseError.Kind) {
            self.name = name
            self.bytes = bytes
            self.kind = kind
        }
        var testDescription: String { name }
    }

    static let accepted: [Accepted] = [
        Accepted(name: "y_array_empty", text: "[]", value: []),
        Accepted(name: "y_object_empty", text: "{}", value: [:]),
        Accepted(name: "y_array_with_several_null", text: "[1,null,null,null,2]", value: [1, nil, nil, nil, 2]),
        Accepted(name: "y_structure_whitespace_array", text: " \t\r\n[ 1 ,\n2 ] \n", value: [1, 2]),
        Accepted(name: "y_structure_lonely_string", text: "\"asd\"", value: "asd"),
        Accepted(name: "y_structure_lonely_null", text: "null", value: nil),
        Accepted(name: "y_structure_lonely_true", text: "true", value: true),
        Accepted(name: "y_structure_lonely_int", text: "42", value: 42),
        Accepted(name: "y_structure_lonely_negative_real", text: "-0.1", value: -0.1),
        Accepted(name: "y_number_0e1", text: "[0e1]", value: [0]),
        Accepted(name: "y_number_minus_zero", text: "[-0]", value: [.number(-0.0)]),
        Accepted(name: "y_number_real_capital_e", text: "[1E22]", value: [1e22]),
        Accepted(name: "y_number_real_neg_exp", text: "[1e-2]", value: [0.01]),
        Accepted(name: "y_number_real_pos_exponent", text: "[1e+2]", value: [100]),
        Accepted(name: "y_number_real_fraction_exponent", text: "[123.456e78]", value: [123.456e78]),
        Accepted(name: "y_number_negative_int", text: "[-123]", value: [-123]),
        Accepted(name: "y_number_simple_real", text: "[123.456789]", value: [123.456789]),
        Accepted(name: "y_number_after_space", text: "[ 4]", value: [4]),
        Accepted(name: "y_number_long_integer", text: "[12345678901234567890]", value: [12345678901234567890.0]),
        Accepted(name: "y_number_underflow_to_zero", text: "[1e-400]", value: [0]),
        Accepted(name: "y_number_max_double", text: "[1.7976931348623157e308]", value: [1.7976931348623157e308]),
        Accepted(name: "y_number_min_subnormal", text: "[5e-324]", value: [.number(Double.leastNonzeroMagnitude)]),
        Accepted(name: "y_object_basic", text: "{\"asd\":\"sdf\"}", value: ["asd": "sdf"]),
        Accepted(name: "y_object_empty_key", text: "{\"\":0}", value: ["": 0]),
        Accepted(name: "y_object_nested", text: "{\"a\":[{\"b\":{}}]}", value: ["a": [["b": [:]]]]),
        Accepted(name: "y_object_escaped_null_in_key", text: "{\"foo\\u0000bar\": 42}", value: ["foo\u{0}bar": 42]),
        Accepted(name: "y_string_simple_escapes", text: "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", value: ["\"\\/\u{8}\u{c}\n\r\t"]),
        Accepted(name: "y_string_unicode_escapes", text: "[\"\\u0060\\u012a\\u12AB\"]", value: ["`\u{12A}\u{12AB}"]),
        Accepted(name: "y_string_surrogate_pair", text: "[\"\\uD801\\udc37\"]", value: ["\u{10437}"]),
        Accepted(name: "y_string_emoji_pairs", text: "[\"\\ud83d\\ude39\\ud83d\\udc8d\"]", value: ["😹💍"]),
        Accepted(name: "y_string_raw_utf8", text: "[\"€𝄞 日本 😀\"]", value: ["€𝄞 日本 😀"]),
        Accepted(name: "y_string_escaped_null", text: "[\"\\u0000\"]", value: ["\u{0}"]),
        Accepted(name: "y_string_line_separator", text: "[\"\u{2028}\u{2029}\"]", value: ["\u{2028}\u{2029}"]),
        Accepted(name: "y_string_nonchar_uffff", text: "[\"\\uFFFF\"]", value: ["\u{FFFF}"]),
        Accepted(name: "y_string_del_raw", text: "[\"\u{7F}\"]", value: ["\u{7F}"]),
        Accepted(name: "y_string_escape_after_raw_utf8", text: "[\"é\\n\"]", value: ["é\n"]),
        Accepted(name: "y_literals", text: "[true,false,null]", value: [true, false, nil]),
    ]

    static let refused: [Refused] = [
        Refused("n_structure_no_data", "", .unexpectedEnd),
        Refused("n_structure_whitespace_only", " \n", .unexpectedEnd),
        Refused("n_array_unclosed", "[", .unexpectedEnd),
        Refused("n_structure_lone_close", "]", .unexpectedByte),
        Refused("n_array_extra_comma", "[1,]", .unexpectedByte),
        Refused("n_array_leading_comma", "[,1]", .unexpectedByte),
        Refused("n_array_double_comma", "[1,,2]", .unexpectedByte),
        Refused("n_array_missing_comma", "[1 2]", .unexpectedByte),
        Refused("n_object_trailing_comma", "{\"a\":1,}", .unexpectedByte),
        Refused("n_object_unquoted_key", "{a:1}", .unexpectedByte),
        Refused("n_object_single_quote", "{'a':1}", .unexpectedByte),
        Refused("n_object_missing_colon", "{\"a\" 1}", .unexpectedByte),
        Refused("n_object_missing_value", "{\"a\":}", .unexpectedByte),
        Refused("n_object_non_string_key", "{1:1}", .unexpectedByte),
        Refused("n_object_unclosed", "{\"a\":1", .unexpectedEnd),
        Refused("n_object_duplicate_key", "{\"a\":1,\"a\":2}", .duplicateKey),
        Refused("n_number_leading_zero", "[01]", .invalidNumber),
        Refused("n_number_minus_only", "[-]", .invalidNumber),
        Refused("n_number_minus_space", "[- 1]", .invalidNumber),
        Refused("n_number_trailing_dot", "[1.]", .invalidNumber),
        Refused("n_number_leading_dot", "[.5]", .unexpectedByte),
        Refused("n_number_plus", "[+1]", .unexpectedByte),
        Refused("n_number_exponent_empty", "[1e]", .invalidNumber),
        Refused("n_number_exponent_sign_only", "[1e+]", .invalidNumber),
        Refused("n_number_hex", "[0x1]", .unexpectedByte),
        Refused("n_number_nan", "[NaN]", .unexpectedByte),
        Refused("n_number_infinity", "[Infinity]", .unexpectedByte),
        Refused("n_number_huge_exponent", "[1e400]", .numberOutOfRange),
        Refused("n_number_huge_negative", "[-1e309]", .numberOutOfRange),
        Refused("n_literal_truncated", "[tru]", .unexpectedByte),
        Refused("n_literal_capitalized", "[True]", .unexpectedByte),
        Refused("n_literal_truncated_at_end", "nul", .unexpectedByte),
        Refused("n_string_invalid_escape", "[\"a\\x\"]", .invalidEscape),
        Refused("n_string_short_unicode_escape", "[\"\\u12\"]", .invalidEscape),
        Refused("n_string_unicode_escape_at_end", "[\"\\u12", .unexpectedEnd),
        Refused("n_string_lone_high_surrogate", "[\"\\uD800\"]", .loneSurrogate),
        Refused("n_string_lone_low_surrogate", "[\"\\uDC00\"]", .loneSurrogate),
        Refused("n_string_high_then_bmp", "[\"\\uD800\\u0041\"]", .loneSurrogate),
        Refused("n_string_high_then_raw", "[\"\\uD800x\"]", .loneSurrogate),
        Refused("n_string_two_high_surrogates", "[\"\\uD800\\uD800\"]", .loneSurrogate),
        Refused("n_string_raw_tab", "[\"tab\there\"]", .controlCharacter),
        Refused("n_string_raw_newline", "[\"a\nb\"]", .controlCharacter),
        Refused("n_string_unterminated", "[\"abc", .unexpectedEnd),
        Refused("n_string_single_quotes", "['a']", .unexpectedByte),
        Refused("n_structure_two_values", "[1] [2]", .trailingData),
        Refused("n_structure_trailing_garbage", "[1]x", .trailingData),
        Refused("n_structure_comment", "[1]//c", .trailingData),
        Refused("n_structure_extra_close", "{\"a\":1}}", .trailingData),
        Refused("n_structure_bom", bytes: [0xEF, 0xBB, 0xBF, 0x5B, 0x5D], .unexpectedByte),
        Refused("n_string_invalid_utf8_ff", bytes: [0x5B, 0x22, 0xFF, 0x22, 0x5D], .invalidUTF8),
        Refused("n_string_overlong_slash", bytes: [0x5B, 0x22, 0xC0, 0xAF, 0x22, 0x5D], .invalidUTF8),
        Refused("n_string_utf8_surrogate", bytes: [0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D], .invalidUTF8),
        Refused("n_string_truncated_utf8", bytes: [0x5B, 0x22, 0xE2, 0x82], .invalidUTF8),
        Refused("n_string_lone_continuation", bytes: [0x5B, 0x22, 0x80, 0x22, 0x5D], .invalidUTF8),
        Refused("n_string_above_max_scalar", bytes: [0x5B, 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22, 0x5D], .invalidUTF8),
        Refused("n_structure_nul_byte", bytes: [0x5B, 0x00, 0x5D], .unexpectedByte),
    ]

    @Test(arguments: accepted)
    func acceptedTextParsesToItsValue(_ example: Accepted) throws {
        let value = try JSONParser().parse(example.text)
        #expect(value == example.value)
        if case .array(let elements) = value, case .number(let number)? = elements.first,
           case .array(let expected) = example.value, case .number(let expectedNumber)? = expected.first {
            #expect(number.sign == expectedNumber.sign, "sign of zero must survive")
        }
    }

    @Test(arguments: refused)
    func refusedTextFailsWithItsKind(_ example: Refused) {
        #expect {
            _ = try JSONParser().parse(example.bytes)
        } throws: { error in
            guard let parseError = error as? JSONParseError else { return false }
            return parseError.kind == example.kind && parseError.offset <= example.bytes.count
        }
    }
}
