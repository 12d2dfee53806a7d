// Media load benchmark: `MediaLoad --calls N --seconds S [--transport rtp|audiosocket]` starts the media
// process (`MediaLoad serve ...`, this same binary) and plays N callers against it on loopback sockets;
// the last line it prints is one JSON object with the results.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let options = LoadOptions(arguments.first == "serve" ? Array(arguments.dropFirst()) : arguments)
if arguments.first == "serve" {
    await MediaServer.run(options)
} else {
    LoadGenerator.run(options)
}
