print("voicegatewayd")
