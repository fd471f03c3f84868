import PropertyBased
import TandemCore
import Testing

struct ListMergeTests {
    private func merge(
        _ base: JSONValue, _ local: JSONValue, _ remote: JSONValue, preferring preference: JSONMergePreference = .remote
    ) throws -> ListMergeResult {
        try ListMerge.merge(base: base, local: local, remote: remote, onConflict: preference)
    }

    private func ids(_ list: JSONValue) -> [JSONValue] { (list.arrayValue ?? []).map { $0["id"] ?? .null } }

    private func item(_ id: JSONValue, in list: JSONValue) -> JSONValue? {
        list.arrayValue?.first { $0["id"] == id }
    }

    // MARK: Rules

    @Test func concurrentInsertsAtDifferentPlacesBothSurvive() throws {
        let base: JSONValue = [["id": "a"], ["id": "b"]]
        let result = try merge(base, [["id": "x"], ["id": "a"], ["id": "b"]], [["id": "a"], ["id": "b"], ["id": 7]])
        #expect(ids(result.merged) == ["x", "a", "b", 7])
        #expect(result.conflicts.isEmpty)
    }

    @Test func concurrentInsertsAtOnePlacePutRemotesItemsFirst() throws {
        let base: JSONValue = [["id": "a"], ["id": "b"]]
        let local: JSONValue = [["id": "a"], ["id": "l1"], ["id": "l2"], ["id": "b"]]
        let remote: JSONValue = [["id": "a"], ["id": "r1"], ["id": "b"]]
        #expect(ids(try merge(base, local, remote).merged) == ["a", "r1", "l1", "l2", "b"])
        let atFront = try merge(
            base, [["id": "l"], ["id": "a"], ["id": "b"]], [["id": "r"], ["id": "a"], ["id": "b"]])
        #expect(ids(atFront.merged) == ["r", "l", "a", "b"])
    }

    @Test func aLocalInsertFollowsItsNearestPrecedingSurvivingItem() throws {
        let base: JSONValue = [["id": 1], ["id": 2], ["id": 3]]
        // Local inserted 9 after 2, which remote deleted: 9 goes after 1, the nearest survivor before it.
        let result = try merge(base, [["id": 1], ["id": 2], ["id": 9], ["id": 3]], [["id": 3], ["id": 1]])
        #expect(ids(result.merged) == [3, 1, 9])
    }

    @Test func aDeleteRemovesThatItemOnly() throws {
        let base: JSONValue = [["id": "a"], ["id": "b"], ["id": "c"]]
        let result = try merge(base, [["id": "a"], ["id": "c"]], [["id": "a"], ["id": "b"], ["id": "c"], ["id": "d"]])
        #expect(ids(result.merged) == ["a", "c", "d"])
        #expect(ids(try merge(base, base, [["id": "c"]]).merged) == ["c"])
    }

    @Test func anItemModifiedOnOneSideTakesThatSidesVersion() throws {
        let base: JSONValue = [["id": "a", "n": 1], ["id": "b", "n": 1]]
        let result = try merge(
            base, [["id": "a", "n": 2], ["id": "b", "n": 1]], [["id": "a", "n": 1], ["id": "b", "n": 3]])
        #expect(result == ListMergeResult(merged: [["id": "a", "n": 2], ["id": "b", "n": 3]], conflicts: []))
    }

    @Test func anItemModifiedOnBothSidesDifferentlyIsAConflictWithItsID() throws {
        let base: JSONValue = [["id": 5, "n": 1]]
        let local: JSONValue = [["id": 5, "n": 2]]
        let remote: JSONValue = [["id": 5, "n": 3]]
        let conflict = ListMergeConflict(
            itemID: 5, base: ["id": 5, "n": 1], local: ["id": 5, "n": 2], remote: ["id": 5, "n": 3])
        #expect(
            try merge(base, local, remote, preferring: .local) == ListMergeResult(merged: local, conflicts: [conflict]))
        #expect(
            try merge(base, local, remote, preferring: .remote)
                == ListMergeResult(merged: remote, conflicts: [conflict]))
        #expect(try merge(base, local, local) == ListMergeResult(merged: local, conflicts: []))
    }

    @Test func anItemModifiedOnOneSideAndDeletedOnTheOtherIsAConflict() throws {
        let base: JSONValue = [["id": "a", "n": 1], ["id": "b"]]
        let local: JSONValue = [["id": "b"]]
        let remote: JSONValue = [["id": "a", "n": 2], ["id": "b"]]
        let conflict = ListMergeConflict(
            itemID: "a", base: ["id": "a", "n": 1], local: nil, remote: ["id": "a", "n": 2])
        #expect(
            try merge(base, local, remote, preferring: .local) == ListMergeResult(merged: local, conflicts: [conflict]))
        #expect(
            try merge(base, local, remote, preferring: .remote)
                == ListMergeResult(merged: remote, conflicts: [conflict]))
        // Kept by the local preference, an item remote deleted is placed like a local insert.
        let kept = try merge(
            base, [["id": "a", "n": 2], ["id": "b"]], [["id": "b"], ["id": "c"]], preferring: .local)
        #expect(ids(kept.merged) == ["a", "b", "c"])
        #expect(kept.conflicts.map(\.itemID) == ["a"])
    }

    @Test func orderFollowsRemote() throws {
        let base: JSONValue = [["id": 1], ["id": 2], ["id": 3]]
        #expect(
            ids(try merge(base, [["id": 3], ["id": 2], ["id": 1]], [["id": 2], ["id": 1], ["id": 3]]).merged) == [
                2, 1, 3,
            ])
    }

    @Test func theSameNewIDInsertedDifferentlyOnBothSidesIsAConflict() throws {
        let result = try merge([], [["id": "n", "v": 1]], [["id": "n", "v": 2]], preferring: .local)
        #expect(result.merged == [["id": "n", "v": 1]])
        #expect(
            result.conflicts == [
                ListMergeConflict(itemID: "n", base: nil, local: ["id": "n", "v": 1], remote: ["id": "n", "v": 2])
            ])
    }

    @Test func conflictsFollowBaseOrderThenRemoteThenLocal() throws {
        let base: JSONValue = [["id": "z", "v": 0], ["id": "a", "v": 0]]
        let local: JSONValue = [["id": "a", "v": 1], ["id": "z", "v": 1], ["id": "q", "v": 1], ["id": "p", "v": 1]]
        let remote: JSONValue = [
            ["id": "p", "v": 2], ["id": "q", "v": 2], ["id": "a", "v": 2], ["id": "z", "v": 2],
        ]
        #expect(try merge(base, local, remote).conflicts.map(\.itemID) == ["z", "a", "p", "q"])
    }

    @Test func validationAcceptsStringAndIntegerIDs() throws {
        try ListMerge.validate([])
        try ListMerge.validate([["id": "a"], ["id": 1], ["id": -3, "x": [1, 2]]])
    }

    @Test(arguments: [
        InvalidList(["id": 1], .notAnArray, nil, "a list value must be an array, not object"),
        InvalidList([["id": 1], 5], .itemNotAnObject, 1, "item at index 1 must be an object, not number"),
        InvalidList([["id": 1], ["name": "x"]], .missingID, 1, "item at index 1 has no \"id\""),
        InvalidList(
            [["id": 1.5]], .invalidID, 0,
            "item at index 0 has an invalid id (number): an id is a string or an integer"),
        InvalidList(
            [["id": true]], .invalidID, 0,
            "item at index 0 has an invalid id (boolean): an id is a string or an integer"),
        InvalidList(
            [["id": "a"], ["id": 2], ["id": "a"]], .duplicateID, 2,
            "item at index 2 has id \"a\", already used at index 0"),
    ])
    func validationNamesTheWrongIndex(invalid: InvalidList) {
        #expect(throws: invalid.error) { try ListMerge.validate(invalid.value) }
    }

    /// A value that is not a list field value, and the error that names what is wrong with it.
    struct InvalidList: Sendable {
        var value: JSONValue
        var error: ListMergeError

        init(_ value: JSONValue, _ code: ListMergeError.Code, _ index: Int?, _ message: String) {
            self.value = value
            self.error = ListMergeError(code: code, index: index, message: message)
        }
    }

    @Test func mergeNamesTheInputThatIsWrong() {
        let error = ListMergeError(
            code: .duplicateID, index: 1, message: "remote: item at index 1 has id 4, already used at index 0")
        #expect(throws: error) { try merge([], [], [["id": 4], ["id": 4.0]]) }
        #expect(throws: ListMergeError.self) { try merge("text", [], []) }
    }

    // MARK: Properties

    @Test func aChangeOnOneSideOnlyIsTakenWhole() async throws {
        await propertyCheck(count: 1000, input: ListMergeScenario.generator) { scenario throws in
            let (base, local, remote) = scenario.values
            for preference in JSONMergePreference.allCases {
                #expect(
                    try merge(base, local, base, preferring: preference)
                        == ListMergeResult(merged: local, conflicts: []))
                #expect(
                    try merge(base, base, remote, preferring: preference)
                        == ListMergeResult(merged: remote, conflicts: []))
                #expect(
                    try merge(base, remote, remote, preferring: preference)
                        == ListMergeResult(merged: remote, conflicts: []))
            }
        }
    }

    @Test func concurrentInsertsOfFreshIDsBothSurviveInTheirSidesOrder() async throws {
        await propertyCheck(count: 1000, input: ListMergeScenario.generator) { scenario throws in
            let (base, local, remote) = scenario.values
            for preference in JSONMergePreference.allCases {
                let merged = try merge(base, local, remote, preferring: preference).merged
                for id in scenario.localInsertedIDs { #expect(item(id, in: merged) == item(id, in: local)) }
                for id in scenario.remoteInsertedIDs { #expect(item(id, in: merged) == item(id, in: remote)) }
                let mergedIDs = ids(merged)
                // Local inserts are placed by their anchors, so they keep local order unless remote reordered.
                if ids(remote).filter(ids(base).contains) == ids(base).filter(ids(remote).contains) {
                    let localInserted = scenario.localInsertedIDs
                    #expect(mergedIDs.filter(localInserted.contains) == ids(local).filter(localInserted.contains))
                }
                #expect(mergedIDs.filter(ids(remote).contains) == ids(remote).filter(mergedIDs.contains))
            }
        }
    }

    @Test func deletesOnEitherSideAreGoneUnlessTheOtherSideModifiedTheItem() async throws {
        await propertyCheck(count: 1000, input: ListMergeScenario.generator) { scenario throws in
            let (base, local, remote) = scenario.values
            for preference in JSONMergePreference.allCases {
                let result = try merge(base, local, remote, preferring: preference)
                let conflictIDs = result.conflicts.map(\.itemID)
                for id in ids(base) {
                    let (baseItem, localItem, remoteItem) = (
                        item(id, in: base), item(id, in: local), item(id, in: remote)
                    )
                    guard localItem == nil || remoteItem == nil else { continue }
                    let other = localItem ?? remoteItem
                    let deleter: JSONMergePreference = localItem == nil ? .local : .remote
                    if other == nil || other == baseItem || preference == deleter {
                        #expect(item(id, in: result.merged) == nil)
                    }
                    #expect(conflictIDs.contains(id) == (other != nil && other != baseItem))
                }
            }
        }
    }

    @Test func theResultIsAValidListAndConflictsAreExactlyTheItemsChangedDifferentlyOnBothSides() async throws {
        await propertyCheck(count: 1000, input: ListMergeScenario.generator) { scenario throws in
            let (base, local, remote) = scenario.values
            for preference in JSONMergePreference.allCases {
                let result = try merge(base, local, remote, preferring: preference)
                try ListMerge.validate(result.merged)
                #expect(Set(ids(result.merged)).count == ids(result.merged).count)
                let expectedConflicts = ids(base).filter { id in
                    let (baseItem, localItem, remoteItem) = (
                        item(id, in: base), item(id, in: local), item(id, in: remote)
                    )
                    return localItem != baseItem && remoteItem != baseItem && localItem != remoteItem
                }
                #expect(result.conflicts.map(\.itemID) == expectedConflicts)
                for conflict in result.conflicts {
                    #expect(
                        item(conflict.itemID, in: result.merged)
                            == (preference == .local ? conflict.local : conflict.remote))
                }
            }
        }
    }
}
