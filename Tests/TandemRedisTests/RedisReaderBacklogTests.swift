import TandemRedis
import Testing

/// The lag gauge's bookkeeping, without Redis: what is pending, and how old the oldest of it is.
@Suite struct RedisReaderBacklogTests {
    @Test func nothingPendingIsZeroLagHoweverOldTheLastEntryWas() {
        var backlog = RedisReaderBacklog()
        #expect(backlog.oldestMillis == nil && backlog.ageMillis(nowMillis: 5_000) == 0)
        backlog.read(count: 1, countMax: 100, lastMillis: 1_000)
        backlog.queued(millis: 1_000)
        backlog.delivered()
        #expect(backlog.ageMillis(nowMillis: 3_600_000) == 0, "delivered long ago: the gauge does not keep it")
    }

    @Test func theOldestQueuedEntryIsTheLagUntilTheNodeTakesIt() {
        var backlog = RedisReaderBacklog()
        backlog.read(count: 2, countMax: 100, lastMillis: 1_100)
        backlog.queued(millis: 1_000)
        backlog.queued(millis: 1_100)
        #expect(backlog.queuedCount == 2)
        #expect(backlog.ageMillis(nowMillis: 1_500) == 500)
        #expect(backlog.ageMillis(nowMillis: 2_500) == 1_500, "it grows while the node does not take it")
        backlog.delivered()
        #expect(backlog.ageMillis(nowMillis: 2_500) == 1_400)
        backlog.delivered()
        #expect(backlog.queuedCount == 0 && backlog.ageMillis(nowMillis: 2_500) == 0)
    }

    @Test func aFullReadLeavesEntriesInRedisPendingUntilAShorterReadShowsTheReaderCaughtUp() {
        var backlog = RedisReaderBacklog()
        backlog.read(count: 100, countMax: 100, lastMillis: 2_000)
        #expect(backlog.ageMillis(nowMillis: 2_300) == 300, "the stream may hold more, none older than 2000")
        backlog.queued(millis: 1_900)
        #expect(backlog.oldestMillis == 1_900, "a queued entry older than the unread ones is the oldest")
        backlog.delivered()
        #expect(backlog.oldestMillis == 2_000)
        backlog.read(count: 0, countMax: 100, lastMillis: nil)
        #expect(backlog.ageMillis(nowMillis: 9_000) == 0)
    }

    @Test func anEntryStampedAheadOfThisClockIsNoNegativeLag() {
        var backlog = RedisReaderBacklog()
        backlog.queued(millis: 10_000)
        #expect(backlog.ageMillis(nowMillis: 9_000) == 0)
    }
}
