// Tests of the VoiceGatewayd target live in this folder.
import Testing
