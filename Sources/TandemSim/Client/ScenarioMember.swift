import TandemCore
import TandemRuntime
import TandemScenario

/// One user of a scenario's population: who it is, which group it acts for and which node it calls home. The same
/// list, in the same order, in the simulator and live.
public struct ScenarioMember: Sendable {
    /// The user's place in the scenario (0-based, groups in file order).
    public var index: Int
    /// `group-N`, N counting from 1 within the group.
    public var username: String
    public var group: PopulationGroup
    public var groupIndex: Int
    /// The node it connects to first (0-based).
    public var homeNode: Int

    /// The member as the engine knows it, with the user id its server gave it.
    public func identity(id: Int) -> UserIdentity { UserIdentity(id: id, username: username, roles: ["Editor"]) }

    /// Every member of `scenario`'s population; `random` placement draws from the seed.
    public static func all(of scenario: Scenario, seed: UInt64) -> [ScenarioMember] {
        let nodeCount = scenario.topology.nodeCount
        var members: [ScenarioMember] = []
        var random = SplitMix64.derive(seed: seed, stream: 0x706C6163)
        for (groupIndex, group) in scenario.population.enumerated() {
            for member in 0..<group.userCount {
                let index = members.count
                let home: Int
                switch group.placement {
                case .roundRobin: home = index % nodeCount
                case .random: home = random.bounded(nodeCount)
                case .pinned(let node): home = node.number - 1
                }
                members.append(ScenarioMember(index: index, username: "\(group.name)-\(member + 1)", group: group,
                                              groupIndex: groupIndex, homeNode: home))
            }
        }
        return members
    }
}

extension SimClient {
    /// A client for `member`, logged in as `user`, working on its group's model from `models`.
    public init(member: ScenarioMember, user: UserIdentity, model models: ModelRegistry, environment: ClientEnvironment) {
        self.init(index: member.index, user: user, group: member.group, groupIndex: member.groupIndex,
                  model: models[member.group.records.model]!, homeNode: member.homeNode, environment: environment)
    }
}
