// Tests of the Application target live in this folder.
import Testing
