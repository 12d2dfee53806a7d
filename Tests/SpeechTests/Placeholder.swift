// Tests of the Speech target live in this folder.
import Testing
