import ArgumentParser

// Exit codes are a contract (SCENARIOS.md): 0 all checks met, 1 a threshold or checker failed, 2 bad input.
// ArgumentParser's usage errors would exit 64; they are bad input too, so they exit 2 here.
do {
    var command = try TandemCommand.parseAsRoot()
    try command.run()
} catch let exit as ExitCode {
    TandemCommand.exit(withError: exit)
} catch {
    let code = TandemCommand.exitCode(for: error)
    if code == .success {
        TandemCommand.exit(withError: error)
    }
    FileHandleOutput.standardError(TandemCommand.fullMessage(for: error))
    if code.rawValue == 64 { TandemCommand.exit(withError: ExitCode(2)) }  // portable: no Glibc (the package declares macOS)
    TandemCommand.exit(withError: error)
}
