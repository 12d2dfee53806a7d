// Tests of the Agent target live in this folder.
import Testing
