// Tests of the AsteriskARI target live in this folder.
import Testing
