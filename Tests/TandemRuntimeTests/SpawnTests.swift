import TandemRuntime
import Testing

actor Counter {
    var value = 0

    func increment() -> Int {
        value += 1
        return value
    }
}

@Suite struct SpawnTests {
    @Test func outsideASimulationSpawnIsAPlainTask() async throws {
        #expect(SimRuntime.executor == nil)
        #expect(await spawn { 41 + 1 }.value == 42)
        struct Expected: Error {}
        await #expect(throws: Expected.self) { try await spawn { () throws -> Int in throw Expected() }.value }
    }

    @Test func actorSpawnRunsItsBodyIsolatedToTheActor() async {
        let counter = Counter()
        let value = await counter.spawn { me in
            me.value += 10
            return me.increment()
        }.value
        #expect(value == 11)
    }

    @Test func insideASimulationSpawnedTasksInheritTheSimulator() async throws {
        let run = await simulateOnThread { sim -> Bool in
            let nested = await spawn { await spawn { SimRuntime.executor === sim }.value }.value
            let counter = Counter()
            let isolated = await counter.spawn { me in
                sim.probe()
                return me.increment() == 1
            }.value
            return nested && isolated
        }
        #expect(try run.get())
    }
}
