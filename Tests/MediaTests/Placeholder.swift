// Tests of the Media target live in this folder.
import Testing
