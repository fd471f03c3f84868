// The laws of OT over random Unicode texts (seeded), as the engine's TextOperationPropertyTests check them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TextOperation } from "../../Sources/TandemServer/Resources/static/text-operation.js";
import { SplitMix64, randomOperation, randomText } from "./random-text.mjs";

const CASES = 1000;

function forSeeds(body) {
  for (let seed = 1; seed <= CASES; seed += 1) body(new SplitMix64(seed), seed);
}

test("apply produces the target length", () => {
  forSeeds((rng, seed) => {
    const text = randomText(rng, 30);
    const operation = randomOperation(rng, text);
    assert.equal(operation.baseLength, text.length, `seed ${seed}`);
    assert.equal(operation.apply(text).length, operation.targetLength, `seed ${seed}`);
  });
});

test("transformed operations converge (TP1), and both paths compose to the same operation", () => {
  forSeeds((rng, seed) => {
    const text = randomText(rng, 30);
    const a = randomOperation(rng, text);
    const b = randomOperation(rng, text);
    const [aPrime, bPrime] = TextOperation.transform(a, b);
    assert.equal(bPrime.apply(a.apply(text)), aPrime.apply(b.apply(text)), `seed ${seed}`);
    assert.ok(a.compose(bPrime).equals(b.compose(aPrime)), `seed ${seed}`);
  });
});

test("compose matches applying in turn", () => {
  forSeeds((rng, seed) => {
    const text = randomText(rng, 30);
    const a = randomOperation(rng, text);
    const b = randomOperation(rng, a.apply(text));
    const composed = a.compose(b);
    assert.equal(composed.baseLength, a.baseLength);
    assert.equal(composed.targetLength, b.targetLength);
    assert.equal(composed.apply(text), b.apply(a.apply(text)), `seed ${seed}`);
  });
});

test("invert undoes; undo grouping mirrors its inverted form", () => {
  forSeeds((rng, seed) => {
    const text = randomText(rng, 30);
    const a = randomOperation(rng, text);
    const afterA = a.apply(text);
    const b = randomOperation(rng, afterA);
    const aInverse = a.invert(text);
    assert.equal(aInverse.apply(afterA), text, `seed ${seed}`);
    const bInverse = b.invert(afterA);
    assert.equal(a.shouldBeComposedWith(b), bInverse.shouldBeComposedWithInverted(aInverse), `seed ${seed}`);
  });
});

test("the JSON form round-trips every operation", () => {
  forSeeds((rng, seed) => {
    const operation = randomOperation(rng, randomText(rng, 30));
    const decoded = TextOperation.fromJSON(JSON.parse(JSON.stringify(operation)));
    assert.ok(decoded.equals(operation), `seed ${seed}`);
  });
});

test("transformIndex stays within the target text and keeps cursors in order", () => {
  forSeeds((rng, seed) => {
    const operation = randomOperation(rng, randomText(rng, 30));
    const index = rng.int(-5, 200);
    const moved = operation.transformIndex(index);
    assert.ok(moved >= 0 && moved <= operation.targetLength, `seed ${seed}`);
    const clamped = Math.min(Math.max(index, 0), operation.baseLength);
    assert.ok(moved >= operation.transformIndex(clamped - 1), `seed ${seed}`);
  });
});

test("diff recovers any edit, in at most four components", () => {
  forSeeds((rng, seed) => {
    const text = randomText(rng, 30);
    const edited = randomOperation(rng, text).apply(text);
    const operation = TextOperation.diff(text, edited);
    assert.equal(operation.apply(text), edited, `seed ${seed}`);
    assert.ok(operation.ops.length <= 4, `seed ${seed}`);
  });
});

test("a cut inside a surrogate pair is refused, as the engine refuses it", () => {
  assert.throws(() => TextOperation.fromJSON([1, "x", 1]).apply("😀"), /split a surrogate pair/);
  // A lone surrogate is a JavaScript string the engine cannot hold, but cutting next to one splits nothing.
  assert.equal(TextOperation.fromJSON([1, "x", 1]).apply("\uD83Da"), "\uD83Dxa");
});
