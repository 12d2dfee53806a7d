// Media load benchmark: `MediaLoad --calls N --seconds S [--transport rtp|audiosocket]` starts the media
// process (`MediaLoad serve ...`, this same binary) and plays N callers against it on loopback sockets;
// the last line it prints is one JSON object with the results.
import Dispatch
import Foundation
import NIOCore
import NIOPosix

let arguments = Array(CommandLine.arguments.dropFirst())
let options = LoadOptions(arguments.first == "serve" ? Array(arguments.dropFirst()) : arguments)
if arguments.first == "serve" {
    // Like the daemon, the call's tasks prefer their session's event loop (`MediaSession.preferredExecutor`);
    // `--executor nio` also hands the rest of Swift concurrency to the event loops, for comparison.
    if options.executor == "nio" { _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() }
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        await MediaServer.run(options)
        done.signal()
    }
    done.wait()
} else {
    LoadGenerator.run(options)
}
