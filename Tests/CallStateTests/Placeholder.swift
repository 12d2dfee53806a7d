// Tests of the CallState target live in this folder.
import Testing
