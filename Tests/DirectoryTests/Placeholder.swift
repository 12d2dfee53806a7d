// Tests of the Directory target live in this folder.
import Testing
