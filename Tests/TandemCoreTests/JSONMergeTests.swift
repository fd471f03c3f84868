import PropertyBased
import TandemCore
import Testing

struct JSONMergeTests {
    private func merge(
        _ base: JSONValue, _ local: JSONValue, _ remote: JSONValue, preferring preference: JSONMergePreference = .remote
    ) -> JSONMergeResult {
        JSONMerge.merge(base: base, local: local, remote: remote, onConflict: preference)
    }

    // MARK: Rules

    @Test func keysChangedAddedOrRemovedOnOneSideTakeThatSidesChange() {
        let base: JSONValue = ["a": 1, "b": 2, "c": 3]
        let result = merge(base, ["a": 10, "b": 2, "c": 3, "d": 4], ["a": 1, "c": 30])
        #expect(result.merged == ["a": 10, "c": 30, "d": 4])
        #expect(result.conflicts.isEmpty)
    }

    @Test func theSameChangeOnBothSidesIsTakenOnceWithoutConflict() {
        let result = merge(["a": 1, "b": 2], ["a": 5, "c": 7], ["a": 5, "c": 7])
        #expect(result.merged == ["a": 5, "c": 7])
        #expect(result.conflicts.isEmpty)
    }

    @Test func differentChangesToOneKeyAreAConflictAndThePreferenceChoosesTheValue() {
        let base: JSONValue = ["title": "a", "n": 1]
        let local: JSONValue = ["title": "local", "n": 1]
        let remote: JSONValue = ["title": "remote", "n": 2]
        let expected = [JSONMergeConflict(path: ["title"], base: "a", local: "local", remote: "remote")]
        #expect(
            merge(base, local, remote, preferring: .local)
                == JSONMergeResult(merged: ["title": "local", "n": 2], conflicts: expected))
        #expect(
            merge(base, local, remote, preferring: .remote)
                == JSONMergeResult(merged: ["title": "remote", "n": 2], conflicts: expected))
    }

    @Test func nestedObjectsMergeKeyByKeyAndReportTheFullPath() {
        let base: JSONValue = ["style": ["font": ["size": 12, "face": "serif"], "color": "red"]]
        let local: JSONValue = ["style": ["font": ["size": 14, "face": "serif"], "color": "red"]]
        let remote: JSONValue = ["style": ["font": ["size": 16, "face": "sans"], "color": "blue"]]
        let result = merge(base, local, remote, preferring: .local)
        #expect(result.merged == ["style": ["font": ["size": 14, "face": "sans"], "color": "blue"]])
        #expect(
            result.conflicts == [JSONMergeConflict(path: ["style", "font", "size"], base: 12, local: 14, remote: 16)])
    }

    @Test func deleteVersusModifyIsAConflictOnEitherSide() {
        let base: JSONValue = ["a": 1, "b": 2]
        let localDeletes = merge(base, ["b": 2], ["a": 5, "b": 2], preferring: .local)
        #expect(localDeletes.merged == ["b": 2])
        #expect(localDeletes.conflicts == [JSONMergeConflict(path: ["a"], base: 1, local: nil, remote: 5)])
        let remoteDeletes = merge(base, ["a": 5, "b": 2], ["b": 2], preferring: .local)
        #expect(remoteDeletes.merged == ["a": 5, "b": 2])
        #expect(remoteDeletes.conflicts == [JSONMergeConflict(path: ["a"], base: 1, local: 5, remote: nil)])
        #expect(merge(base, ["a": 5, "b": 2], ["b": 2], preferring: .remote).merged == ["b": 2])
    }

    @Test func deletingAnObjectWhileTheOtherSideEditsInsideItIsAConflictAtTheObject() {
        let base: JSONValue = ["o": ["x": 1]]
        let result = merge(base, [:], ["o": ["x": 1, "y": 2]])
        #expect(
            result.conflicts == [JSONMergeConflict(path: ["o"], base: ["x": 1], local: nil, remote: ["x": 1, "y": 2])])
        #expect(result.merged == ["o": ["x": 1, "y": 2]])
    }

    @Test func aDeleteOnBothSidesIsNoConflict() {
        let result = merge(["a": 1, "b": 2], ["b": 2], ["b": 2])
        #expect(result == JSONMergeResult(merged: ["b": 2], conflicts: []))
    }

    @Test func arraysAreAtomic() {
        let base: JSONValue = ["tags": ["x", "y"]]
        let oneSide = merge(base, ["tags": ["x", "y", "z"]], base)
        #expect(oneSide == JSONMergeResult(merged: ["tags": ["x", "y", "z"]], conflicts: []))
        let bothSides = merge(base, ["tags": ["x", "y", "z"]], ["tags": ["w", "x", "y"]], preferring: .local)
        #expect(bothSides.merged == ["tags": ["x", "y", "z"]])
        #expect(bothSides.conflicts.map(\.path) == [["tags"]])
    }

    @Test func aTypeChangeOnOneSideIsTakenWhenTheOtherSideLeftThePathAlone() {
        let base: JSONValue = ["o": ["x": 1], "n": 1]
        let result = merge(base, ["o": "flat", "n": 1], ["o": ["x": 1], "n": 2])
        #expect(result == JSONMergeResult(merged: ["o": "flat", "n": 2], conflicts: []))
    }

    @Test func aTypeChangeAgainstAnEditInsideIsAConflictAtThatPath() {
        let base: JSONValue = ["o": ["x": 1]]
        let result = merge(base, ["o": "flat"], ["o": ["x": 2]], preferring: .local)
        #expect(result.merged == ["o": "flat"])
        #expect(result.conflicts == [JSONMergeConflict(path: ["o"], base: ["x": 1], local: "flat", remote: ["x": 2])])
    }

    @Test func theSameKeyAddedWithDifferentObjectsIsOneConflictAtThatKey() {
        let result = merge([:], ["new": ["x": 1]], ["new": ["y": 2]])
        #expect(result.conflicts == [JSONMergeConflict(path: ["new"], base: nil, local: ["x": 1], remote: ["y": 2])])
        #expect(result.merged == ["new": ["y": 2]])
    }

    @Test func differentScalarRootsConflictAtTheEmptyPath() {
        let result = merge(1, 2, 3, preferring: .local)
        #expect(
            result == JSONMergeResult(merged: 2, conflicts: [JSONMergeConflict(path: [], base: 1, local: 2, remote: 3)])
        )
    }

    @Test func conflictsAreReportedInSortedKeyOrderDepthFirst() {
        let keys = ["zeta", "b", "a", "m", "c10", "c2"]
        var base: [String: JSONValue] = [:]
        var local: [String: JSONValue] = [:]
        var remote: [String: JSONValue] = [:]
        for key in keys {
            base[key] = ["inner": 0, "z": 0]
            local[key] = ["inner": 1, "z": 1]
            remote[key] = ["inner": 2, "z": 2]
        }
        let paths = merge(.object(base), .object(local), .object(remote)).conflicts.map(\.path)
        let expected = keys.sorted().flatMap { [[$0, "inner"], [$0, "z"]] }
        #expect(paths == expected)
    }

    // MARK: Properties

    @Test func aChangeOnOneSideOnlyIsTakenWhole() async {
        await propertyCheck(count: 1000, input: JSONMergeScenario.generator) { scenario in
            for preference in JSONMergePreference.allCases {
                let localOnly = merge(scenario.base, scenario.local, scenario.base, preferring: preference)
                #expect(localOnly == JSONMergeResult(merged: scenario.local, conflicts: []))
                let remoteOnly = merge(scenario.base, scenario.base, scenario.remote, preferring: preference)
                #expect(remoteOnly == JSONMergeResult(merged: scenario.remote, conflicts: []))
                let sameChange = merge(scenario.base, scenario.local, scenario.local, preferring: preference)
                #expect(sameChange == JSONMergeResult(merged: scenario.local, conflicts: []))
            }
        }
    }

    @Test func changesAtDisjointKeyPathsAreBothKeptWithoutConflict() async {
        await propertyCheck(count: 1000, input: JSONMergeScenario.disjointGenerator) { scenario, expected in
            for preference in JSONMergePreference.allCases {
                let result = merge(scenario.base, scenario.local, scenario.remote, preferring: preference)
                #expect(result == JSONMergeResult(merged: expected, conflicts: []))
            }
        }
    }

    @Test func conflictsExistExactlyWhereBothSidesChangedOnePathDifferently() async {
        await propertyCheck(count: 1000, input: JSONMergeScenario.generator) { scenario in
            let (base, local, remote) = (scenario.base, scenario.local, scenario.remote)
            // The oracle: every path both sides changed differently, unless all three are objects there
            // (then the difference lies deeper, at a path of its own).
            let allPaths = RandomJSON.paths(in: base).union(RandomJSON.paths(in: local)).union(
                RandomJSON.paths(in: remote))
            let conflicting = allPaths.filter { path in
                let values = [base, local, remote].map { RandomJSON.value(at: path, in: $0) }
                let allObjects = values.allSatisfy { $0?.objectValue != nil }
                return values[1] != values[0] && values[2] != values[0] && values[1] != values[2] && !allObjects
            }
            for preference in JSONMergePreference.allCases {
                let result = merge(base, local, remote, preferring: preference)
                let reported = result.conflicts.map(\.path)
                #expect(reported.isEmpty == conflicting.isEmpty)
                #expect(reported.allSatisfy(conflicting.contains))
                #expect(conflicting.allSatisfy { path in reported.contains { path.starts(with: $0) } })
                #expect(zip(reported, reported.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) })
                for conflict in result.conflicts {
                    #expect(conflict.base == RandomJSON.value(at: conflict.path, in: base))
                    #expect(conflict.local == RandomJSON.value(at: conflict.path, in: local))
                    #expect(conflict.remote == RandomJSON.value(at: conflict.path, in: remote))
                    let landed = RandomJSON.value(at: conflict.path, in: result.merged)
                    #expect(landed == (preference == .local ? conflict.local : conflict.remote))
                }
            }
        }
    }
}
