// Tests of the Domain target live in this folder.
import Testing
