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
    // Swift concurrency runs on the NIO event loops: a caller's frame wakes its consumer task on the
    // loop that is already awake instead of signalling a thread of a separate pool.
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
