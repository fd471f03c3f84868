// Seeded random texts and operations for the property and convergence tests: the Swift tests' RandomText
// (Tests/TandemCoreTests/Support/RandomText.swift), with a SplitMix64 generator so every run of a seed is the same.
import { TextOperation } from "../../Sources/TandemServer/Resources/static/text-operation.js";

const MASK = (1n << 64n) - 1n;

/** SplitMix64, as the engine's TandemRuntime.SplitMix64. */
export class SplitMix64 {
  constructor(seed) {
    this.state = BigInt.asUintN(64, BigInt(seed));
  }

  nextBigInt() {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  }

  /** A number in [0, 1). */
  next() {
    return Number(this.nextBigInt() >> 11n) / 2 ** 53;
  }

  /** An integer in [low, high]. */
  int(low, high) {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  pick(array) {
    return array[this.int(0, array.length - 1)];
  }
}

/** ASCII, accents precomposed and combining, CJK, astral letters, emoji with skin tones, ZWJ families, flags, CRLF. */
export const PIECES = [
  "a", "b", "c", "x", "y", "z", " ", "\n", "\r\n", "é", "e\u0301", "a\u0308\u0301", "ñ", "中", "文",
  "😀", "😃", "🐷", "👍🏽", "👨‍👩‍👧", "🇫🇷", "🇯🇵", "𝒳", "𐐷", "\uFEFF", "\u200D", "ß", "Ω",
];

export function randomText(rng, maxPieces) {
  let text = "";
  for (let count = rng.int(0, maxPieces); count > 0; count -= 1) text += rng.pick(PIECES);
  return text;
}

/** A random operation on `text` in the manner of ot.js's randomOperation, cutting on scalar boundaries only. */
export function randomOperation(rng, text) {
  const boundaries = [0];
  for (const scalar of text) boundaries.push(boundaries[boundaries.length - 1] + scalar.length);
  const operation = new TextOperation();
  let scalarIndex = 0;
  while (scalarIndex < boundaries.length - 1) {
    const left = boundaries.length - 1 - scalarIndex;
    const length = 1 + rng.int(0, Math.min(left, 20) - 1);
    const units = boundaries[scalarIndex + length] - boundaries[scalarIndex];
    const roll = rng.next();
    if (roll < 0.2) {
      operation.insert(randomText(rng, 6));
    } else if (roll < 0.4) {
      operation.delete(units);
      scalarIndex += length;
    } else {
      operation.retain(units);
      scalarIndex += length;
    }
  }
  if (rng.next() < 0.3) operation.insert("1" + randomText(rng, 10));
  return operation;
}
