// text-operation.js — ot.js's TextOperation, as the Swift engine has it (TandemCore/Text/TextOperation*.swift).
//
// An operation walks a cursor over the whole base text: retain n (a positive number in JSON), insert "s" (a string)
// and delete n (a negative number). Lengths and positions count UTF-16 code units, which is what a JavaScript string
// indexes, so a browser and a Swift node agree on every index. The builder keeps ot.js's normal form: adjacent
// components of one kind merge, empty ones are dropped, an insert after a delete goes before it.
//
// Where the engine is stricter than ot.js, this file is too: an operation whose boundary falls inside a surrogate pair
// of the text (or of text it inserted) is refused with "The operation would split a surrogate pair.", and JSON
// decoding refuses anything but non-zero integers and strings. Error messages are the engine's, word for word.

/** The largest base or target length a decoded operation may have: JavaScript's largest exact integer. */
export const JSON_LENGTH_MAX = Number.MAX_SAFE_INTEGER;

const SURROGATE_SPLIT = "The operation would split a surrogate pair.";

/** A failure of an operation (decode, apply, compose, transform, client state); `message` is the engine's. */
export class TextOperationError extends Error {
  constructor(message) {
    super(message);
    this.name = "TextOperationError";
  }
}

const isRetain = (component) => typeof component === "number" && component > 0;
const isInsert = (component) => typeof component === "string";
const isDelete = (component) => typeof component === "number" && component < 0;

const isLead = (unit) => unit >= 0xd800 && unit <= 0xdbff;
const isTrail = (unit) => unit >= 0xdc00 && unit <= 0xdfff;

/** Whether cutting `text` at UTF-16 `offset` would separate a lead surrogate from its trail. */
export function splitsSurrogatePair(text, offset) {
  return offset > 0 && offset < text.length && isLead(text.charCodeAt(offset - 1)) && isTrail(text.charCodeAt(offset));
}

export class TextOperation {
  constructor() {
    /** Components in normal form: positive numbers retain, strings insert, negative numbers delete. */
    this.ops = [];
    /** The UTF-16 length of every text this operation applies to. */
    this.baseLength = 0;
    /** The UTF-16 length of every text this operation produces. */
    this.targetLength = 0;
  }

  // MARK: builder

  /** Skips `n` UTF-16 code units; zero is a no-op. */
  retain(n) {
    if (!Number.isInteger(n) || n < 0) throw new TextOperationError("retain expects a non-negative integer");
    if (n === 0) return this;
    this.baseLength += n;
    this.targetLength += n;
    const last = this.ops.length - 1;
    if (isRetain(this.ops[last])) this.ops[last] += n;
    else this.ops.push(n);
    return this;
  }

  /** Inserts `text` at the cursor; an insert that follows a delete goes before it. */
  insert(text) {
    if (typeof text !== "string") throw new TextOperationError("insert expects a string");
    if (text === "") return this;
    this.targetLength += text.length;
    const ops = this.ops;
    const last = ops.length - 1;
    if (isInsert(ops[last])) {
      ops[last] += text;
    } else if (isDelete(ops[last])) {
      if (isInsert(ops[last - 1])) ops[last - 1] += text;
      else {
        ops[last + 1] = ops[last];
        ops[last] = text;
      }
    } else {
      ops.push(text);
    }
    return this;
  }

  /** Deletes `n` code units (the sign is ignored, as in ot.js), or as many as a string has. */
  delete(n) {
    if (typeof n === "string") n = n.length;
    if (!Number.isInteger(n)) throw new TextOperationError("delete expects an integer or a string");
    n = Math.abs(n);
    if (n === 0) return this;
    this.baseLength += n;
    const last = this.ops.length - 1;
    if (isDelete(this.ops[last])) this.ops[last] -= n;
    else this.ops.push(-n);
    return this;
  }

  /** Whether applying this operation leaves every text unchanged. */
  isNoop() {
    return this.ops.length === 0 || (this.ops.length === 1 && isRetain(this.ops[0]));
  }

  /** Same components (both are in normal form, so same effect on every text of the base length). */
  equals(other) {
    if (this.baseLength !== other.baseLength || this.targetLength !== other.targetLength) return false;
    if (this.ops.length !== other.ops.length) return false;
    return this.ops.every((component, index) => component === other.ops[index]);
  }

  /** ot.js's `toString`: `retain 2, insert 'lorem', delete 5, retain 5`. */
  toString() {
    return this.ops
      .map((c) => (isRetain(c) ? `retain ${c}` : isInsert(c) ? `insert '${c}'` : `delete ${-c}`))
      .join(", ");
  }

  /** ot.js's JSON form: the components as they are. */
  toJSON() {
    return this.ops.slice();
  }

  /**
   * Decodes ot.js's JSON form, normalising it; refuses what the engine refuses (non-arrays, zero, fractions,
   * numbers beyond ±2^53, booleans, null, objects, arrays, lengths beyond JSON_LENGTH_MAX).
   */
  static fromJSON(json) {
    if (!Array.isArray(json)) {
      throw new TextOperationError(`A text operation must be a JSON array, not ${jsonTypeName(json)}.`);
    }
    const operation = new TextOperation();
    for (const element of json) {
      if (typeof element === "string") {
        if (element.length > JSON_LENGTH_MAX - operation.targetLength) throw tooLong();
        operation.insert(element);
      } else if (typeof element === "number") {
        const exact = Number.isInteger(element) && Math.abs(element) <= 2 ** 53;
        if (!exact || element === 0) throw new TextOperationError(`unknown operation: ${describe(element)}`);
        if (element > 0) {
          if (element > JSON_LENGTH_MAX - operation.baseLength || element > JSON_LENGTH_MAX - operation.targetLength) {
            throw tooLong();
          }
          operation.retain(element);
        } else {
          if (-element > JSON_LENGTH_MAX - operation.baseLength) throw tooLong();
          operation.delete(-element);
        }
      } else {
        throw new TextOperationError(`unknown operation: ${describe(element)}`);
      }
    }
    return operation;
  }

  // MARK: apply, invert

  /** The text this operation makes of `text`. */
  apply(text) {
    if (text.length !== this.baseLength) throw baseLengthMismatch(this.baseLength, text.length);
    const parts = [];
    let index = 0;
    for (const component of this.ops) {
      if (isRetain(component)) {
        if (component > text.length - index) {
          throw new TextOperationError("Operation can't retain more characters than are left in the string.");
        }
        if (splitsSurrogatePair(text, index + component)) throw new TextOperationError(SURROGATE_SPLIT);
        parts.push(text.slice(index, index + component));
        index += component;
      } else if (isInsert(component)) {
        parts.push(component);
      } else {
        if (-component > text.length - index) {
          throw new TextOperationError("Operation can't delete more characters than are left in the string.");
        }
        index -= component;
        if (splitsSurrogatePair(text, index)) throw new TextOperationError(SURROGATE_SPLIT);
      }
    }
    if (index !== text.length) throw new TextOperationError("The operation didn't operate on the whole string.");
    return parts.join("");
  }

  /** The operation that undoes this one on `text` (for undo). */
  invert(text) {
    if (text.length !== this.baseLength) throw baseLengthMismatch(this.baseLength, text.length);
    const inverse = new TextOperation();
    let index = 0;
    for (const component of this.ops) {
      if (isRetain(component)) {
        inverse.retain(component);
        index += component;
      } else if (isInsert(component)) {
        inverse.delete(component.length);
      } else {
        if (splitsSurrogatePair(text, index - component)) throw new TextOperationError(SURROGATE_SPLIT);
        inverse.insert(text.slice(index, index - component));
        index -= component;
      }
      if (splitsSurrogatePair(text, index)) throw new TextOperationError(SURROGATE_SPLIT);
    }
    return inverse;
  }

  // MARK: compose, transform

  /** One operation with the effect of this one followed by `other`. */
  compose(other) {
    if (this.targetLength !== other.baseLength) {
      throw new TextOperationError(
        "The base length of the second operation has to be the target length of the first operation",
      );
    }
    const result = new TextOperation();
    const ops1 = this.ops;
    const ops2 = other.ops;
    let i1 = 0;
    let i2 = 0;
    let op1 = ops1[i1++];
    let op2 = ops2[i2++];
    for (;;) {
      if (op1 === undefined && op2 === undefined) break;
      if (isDelete(op1)) {
        result.delete(op1);
        op1 = ops1[i1++];
        continue;
      }
      if (isInsert(op2)) {
        result.insert(op2);
        op2 = ops2[i2++];
        continue;
      }
      if (op1 === undefined) throw new TextOperationError("Cannot compose operations: first operation is too short.");
      if (op2 === undefined) throw new TextOperationError("Cannot compose operations: first operation is too long.");

      if (isRetain(op1) && isRetain(op2)) {
        if (op1 > op2) {
          result.retain(op2);
          op1 -= op2;
          op2 = ops2[i2++];
        } else if (op1 === op2) {
          result.retain(op1);
          op1 = ops1[i1++];
          op2 = ops2[i2++];
        } else {
          result.retain(op1);
          op2 -= op1;
          op1 = ops1[i1++];
        }
      } else if (isInsert(op1) && isDelete(op2)) {
        if (op1.length > -op2) {
          op1 = insertSuffix(op1, -op2);
          op2 = ops2[i2++];
        } else if (op1.length === -op2) {
          op1 = ops1[i1++];
          op2 = ops2[i2++];
        } else {
          op2 += op1.length;
          op1 = ops1[i1++];
        }
      } else if (isInsert(op1) && isRetain(op2)) {
        if (op1.length > op2) {
          const kept = op1.slice(0, op2);
          op1 = insertSuffix(op1, op2);
          result.insert(kept);
          op2 = ops2[i2++];
        } else if (op1.length === op2) {
          result.insert(op1);
          op1 = ops1[i1++];
          op2 = ops2[i2++];
        } else {
          result.insert(op1);
          op2 -= op1.length;
          op1 = ops1[i1++];
        }
      } else {
        // retain in the first, delete in the second
        if (op1 > -op2) {
          result.delete(op2);
          op1 += op2;
          op2 = ops2[i2++];
        } else if (op1 === -op2) {
          result.delete(op2);
          op1 = ops1[i1++];
          op2 = ops2[i2++];
        } else {
          result.delete(op1);
          op2 += op1;
          op1 = ops1[i1++];
        }
      }
    }
    return result;
  }

  /**
   * The pair [a′, b′] for two concurrent operations on one text, such that apply(apply(s, a), b′) equals
   * apply(apply(s, b), a′). At equal positions `a`'s insert goes first; the server passes the incoming op as `a`.
   */
  static transform(a, b) {
    if (a.baseLength !== b.baseLength) {
      throw new TextOperationError("Both operations have to have the same base length");
    }
    const aPrime = new TextOperation();
    const bPrime = new TextOperation();
    const opsA = a.ops;
    const opsB = b.ops;
    let iA = 0;
    let iB = 0;
    let headA = opsA[iA++];
    let headB = opsB[iB++];
    for (;;) {
      if (headA === undefined && headB === undefined) break;
      if (isInsert(headA)) {
        aPrime.insert(headA);
        bPrime.retain(headA.length);
        headA = opsA[iA++];
        continue;
      }
      if (isInsert(headB)) {
        aPrime.retain(headB.length);
        bPrime.insert(headB);
        headB = opsB[iB++];
        continue;
      }
      if (headA === undefined) throw new TextOperationError("Cannot compose operations: first operation is too short.");
      if (headB === undefined) throw new TextOperationError("Cannot compose operations: first operation is too long.");
      const countA = Math.abs(headA);
      const countB = Math.abs(headB);
      const shared = Math.min(countA, countB);
      if (isRetain(headA) && isRetain(headB)) {
        aPrime.retain(shared);
        bPrime.retain(shared);
      } else if (isDelete(headA) && isRetain(headB)) {
        aPrime.delete(shared);
      } else if (isRetain(headA) && isDelete(headB)) {
        bPrime.delete(shared);
      } // both delete the same text: neither side has anything left to do for it
      headA = countA > shared ? Math.sign(headA) * (countA - shared) : opsA[iA++];
      headB = countB > shared ? Math.sign(headB) * (countB - shared) : opsB[iB++];
    }
    return [aPrime, bPrime];
  }

  /**
   * Where `index` of the base text ends up in the target text (ot.js's cursor transform). An insert at the index
   * pushes it right; a deleted range containing it pulls it to the range's start. Out-of-range indexes are clamped.
   */
  transformIndex(index) {
    let remaining = Math.min(Math.max(index, 0), this.baseLength);
    let newIndex = remaining;
    for (const component of this.ops) {
      if (isRetain(component)) {
        remaining -= component;
      } else if (isInsert(component)) {
        newIndex += component.length;
      } else {
        newIndex -= Math.min(remaining, -component);
        remaining += component;
      }
      if (remaining < 0) break;
    }
    return newIndex;
  }

  // MARK: undo grouping

  /** Whether an undo stack should merge this operation with the `other` that followed it. */
  shouldBeComposedWith(other) {
    return simpleEditsGroup(this, other, {
      inserts: (startA, lengthA, startB) => startA + lengthA === startB,
      deletes: (startA, startB, countB) => startB + countB === startA || startA === startB,
    });
  }

  /** `shouldBeComposedWith` for inverted operations. */
  shouldBeComposedWithInverted(other) {
    return simpleEditsGroup(this, other, {
      inserts: (startA, lengthA, startB) => startA + lengthA === startB || startA === startB,
      deletes: (startA, startB, countB) => startB + countB === startA,
    });
  }

  // MARK: diff

  /**
   * An operation turning `oldText` into `newText`: keep the common prefix and suffix, replace the middle. Neither
   * ends inside a surrogate pair, so `diff(a, b).apply(a) === b` for every pair of well-formed strings.
   */
  static diff(oldText, newText) {
    const shorter = Math.min(oldText.length, newText.length);
    let prefix = 0;
    while (prefix < shorter && oldText.charCodeAt(prefix) === newText.charCodeAt(prefix)) prefix += 1;
    if (isTrailAt(oldText, prefix) || isTrailAt(newText, prefix)) prefix -= 1;
    let suffix = 0;
    const suffixMax = shorter - prefix;
    while (
      suffix < suffixMax &&
      oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)
    ) {
      suffix += 1;
    }
    if (suffix > 0 && isTrail(oldText.charCodeAt(oldText.length - suffix))) suffix -= 1;
    return new TextOperation()
      .retain(prefix)
      .delete(oldText.length - prefix - suffix)
      .insert(newText.slice(prefix, newText.length - suffix))
      .retain(suffix);
  }
}

/** Whether the unit at `offset` (strictly inside `text`) is a trail surrogate: cutting there splits a pair. */
function isTrailAt(text, offset) {
  return offset > 0 && offset < text.length && isTrail(text.charCodeAt(offset));
}

function insertSuffix(inserted, offset) {
  if (splitsSurrogatePair(inserted, offset)) throw new TextOperationError(SURROGATE_SPLIT);
  return inserted.slice(offset);
}

/** ot.js's undo grouping: no-ops group with anything; one insert or one delete each, compared by `rules`. */
function simpleEditsGroup(a, b, rules) {
  if (a.isNoop() || b.isNoop()) return true;
  const simpleA = simpleComponent(a);
  const simpleB = simpleComponent(b);
  if (simpleA === undefined || simpleB === undefined) return false;
  if (isInsert(simpleA) && isInsert(simpleB)) return rules.inserts(startIndex(a), simpleA.length, startIndex(b));
  if (isDelete(simpleA) && isDelete(simpleB)) return rules.deletes(startIndex(a), startIndex(b), -simpleB);
  return false;
}

function simpleComponent(operation) {
  const ops = operation.ops;
  switch (ops.length) {
    case 1:
      return ops[0];
    case 2:
      return isRetain(ops[0]) ? ops[1] : isRetain(ops[1]) ? ops[0] : undefined;
    case 3:
      return isRetain(ops[0]) && isRetain(ops[2]) ? ops[1] : undefined;
    default:
      return undefined;
  }
}

function startIndex(operation) {
  return isRetain(operation.ops[0]) ? operation.ops[0] : 0;
}

function baseLengthMismatch(expected, actual) {
  return new TextOperationError(
    `The operation's base length (${expected}) must be equal to the string's length (${actual}).`,
  );
}

function tooLong() {
  return new TextOperationError(`The operation is longer than ${JSON_LENGTH_MAX} UTF-16 code units.`);
}

function jsonTypeName(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "boolean") return "boolean";
  return typeof value; // number, string, object
}

function describe(element) {
  if (typeof element === "number") return String(element);
  if (typeof element === "boolean" || element === null) return String(element);
  return jsonTypeName(element);
}
