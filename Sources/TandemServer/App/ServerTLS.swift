import Foundation
import NIOSSL

extension TLSFiles {
    /// The server's TLS configuration from the PEM files, checked at start: a file that is missing, unreadable or
    /// not PEM, or a key that does not belong to the certificate, is a `ConfigurationError` naming the setting and
    /// the file (the server then exits 2 before it opens anything).
    func serverConfiguration() throws(ConfigurationError) -> TLSConfiguration {
        let chainBytes = try Self.read(certificate, setting: certificateSetting, what: "certificate")
        let keyBytes = try Self.read(key, setting: keySetting, what: "private key")
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(chainBytes)
        } catch {
            chain = []
        }
        guard !chain.isEmpty else {
            throw ConfigurationError(
                file: certificate, line: 0, key: certificateSetting,
                message: "not a PEM certificate (expected -----BEGIN CERTIFICATE-----)")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw ConfigurationError(
                file: key, line: 0, key: keySetting,
                message: "not an unencrypted PEM private key (expected -----BEGIN PRIVATE KEY----- or an RSA/EC key)")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(privateKey)
        )
        do {
            // BoringSSL checks here that the key belongs to the leaf certificate.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError(
                file: key, line: 0, key: keySetting,
                message: "this key does not fit the certificate in \(certificate) (\(error))")
        }
        return configuration
    }

    private static func read(_ path: String, setting: String, what: String) throws(ConfigurationError) -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationError(file: path, line: 0, key: setting, message: "no such \(what) file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(
                file: path, line: 0, key: setting, message: "cannot read the \(what) file (check its permissions)")
        }
        return Array(data)
    }
}
