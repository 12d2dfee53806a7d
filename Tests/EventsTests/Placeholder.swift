// Tests of the Events target live in this folder.
import Testing
