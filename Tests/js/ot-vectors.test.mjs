// The browser client's TextOperation and OTClientState against Tests/Fixtures/ot-vectors.json, the vectors the Swift
// engine is checked against too (Tests/TandemCoreTests/OTVectorTests.swift): both sides give the same answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { TextOperation } from "../../Sources/TandemServer/Resources/static/text-operation.js";
import { OTClientState } from "../../Sources/TandemServer/Resources/static/client-state.js";

const vectors = JSON.parse(readFileSync(new URL("../Fixtures/ot-vectors.json", import.meta.url), "utf8"));
const op = (json) => TextOperation.fromJSON(json);

/** Runs `body`; when the vector names an error, asserts that exact message instead of a result. */
function expecting(vector, body) {
  if ("error" in vector) {
    assert.throws(body, (error) => error.message === vector.error, `${vector.name}: expected "${vector.error}"`);
    return undefined;
  }
  return body();
}

test("build: the builder keeps ot.js's normal form and counts UTF-16 units", () => {
  for (const vector of vectors.build) {
    const operation = new TextOperation();
    for (const [method, argument] of vector.steps) operation[method](argument);
    assert.deepEqual(operation.toJSON(), vector.ops, vector.name);
    assert.equal(operation.baseLength, vector.base_length, vector.name);
    assert.equal(operation.targetLength, vector.target_length, vector.name);
    assert.equal(operation.isNoop(), vector.noop, vector.name);
    assert.ok(operation.equals(op(vector.ops)), vector.name);
    if (vector.string !== undefined) assert.equal(operation.toString(), vector.string, vector.name);
  }
});

test("from_json: decoding normalises and refuses what the engine refuses", () => {
  for (const vector of vectors.from_json) {
    expecting(vector, () => {
      const operation = op(vector.json);
      assert.deepEqual(operation.toJSON(), vector.ops, vector.name);
      assert.equal(operation.baseLength, vector.base_length, vector.name);
      assert.equal(operation.targetLength, vector.target_length, vector.name);
    });
  }
});

test("apply", () => {
  for (const vector of vectors.apply) {
    expecting(vector, () => assert.equal(op(vector.op).apply(vector.text), vector.result, vector.name));
  }
});

test("invert", () => {
  for (const vector of vectors.invert) {
    expecting(vector, () => {
      const inverse = op(vector.op).invert(vector.text);
      assert.deepEqual(inverse.toJSON(), vector.result, vector.name);
      assert.equal(inverse.apply(op(vector.op).apply(vector.text)), vector.text, vector.name);
    });
  }
});

test("compose", () => {
  for (const vector of vectors.compose) {
    expecting(vector, () => {
      const composed = op(vector.a).compose(op(vector.b));
      assert.deepEqual(composed.toJSON(), vector.result, vector.name);
      assert.equal(composed.apply(vector.text), vector.text_result, vector.name);
    });
  }
});

test("transform: TP1, and the engine's exact a′ and b′", () => {
  for (const vector of vectors.transform) {
    expecting(vector, () => {
      const [a, b] = [op(vector.a), op(vector.b)];
      const [aPrime, bPrime] = TextOperation.transform(a, b);
      assert.deepEqual(aPrime.toJSON(), vector.a_prime, vector.name);
      assert.deepEqual(bPrime.toJSON(), vector.b_prime, vector.name);
      assert.equal(bPrime.apply(a.apply(vector.text)), vector.result, vector.name);
      assert.equal(aPrime.apply(b.apply(vector.text)), vector.result, vector.name);
    });
  }
});

test("transform_index", () => {
  for (const vector of vectors.transform_index) {
    for (const [index, expected] of vector.cases) {
      assert.equal(op(vector.op).transformIndex(index), expected, `${vector.name}: ${index}`);
    }
  }
});

test("diff", () => {
  for (const vector of vectors.diff) {
    const operation = TextOperation.diff(vector.old, vector.new);
    assert.deepEqual(operation.toJSON(), vector.op, vector.name);
    assert.equal(operation.apply(vector.old), vector.new, vector.name);
  }
});

test("should_be_composed_with: undo grouping", () => {
  for (const vector of vectors.should_be_composed_with) {
    assert.equal(op(vector.a).shouldBeComposedWith(op(vector.b)), vector.expected, vector.name);
  }
});

const phaseJSON = (phase) => {
  const json = { name: phase.name };
  if (phase.outstanding) json.outstanding = phase.outstanding.toJSON();
  if (phase.buffer) json.buffer = phase.buffer.toJSON();
  return json;
};
const sendJSON = (send) => send && { base_version: send.baseVersion, op: send.operation.toJSON() };

test("client: the ot.js client state machine, step by step", () => {
  for (const scenario of vectors.client) {
    const client = new OTClientState(scenario.version);
    let text = scenario.text;
    scenario.steps.forEach((step, index) => {
      const where = `${scenario.name}, step ${index + 1}`;
      expecting({ ...step, name: where }, () => {
        if ("client" in step) {
          text = op(step.client).apply(text);
          assert.deepEqual(sendJSON(client.applyClient(op(step.client))), step.send, where);
        } else if ("server" in step) {
          const local = client.applyServer(op(step.server), step.version);
          assert.deepEqual(local.toJSON(), step.apply, where);
          text = local.apply(text);
        } else if ("ack" in step) {
          assert.deepEqual(sendJSON(client.serverAck(step.ack)), step.send, where);
        } else if ("advance" in step) {
          client.advance(step.advance);
        } else if ("resend" in step) {
          assert.deepEqual(sendJSON(client.resend()), step.resend, where);
        } else if ("transform_index" in step) {
          assert.equal(client.transformIndex(step.transform_index[0]), step.transform_index[1], where);
        } else {
          assert.fail(`${where}: unknown step ${JSON.stringify(step)}`);
        }
      });
      if (step.phase) assert.deepEqual(phaseJSON(client.phase), step.phase, where);
      if (step.text !== undefined) assert.equal(text, step.text, where);
      if (step.version_after !== undefined) assert.equal(client.version, step.version_after, where);
    });
  }
});
