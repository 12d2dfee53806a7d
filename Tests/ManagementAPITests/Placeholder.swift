// Tests of the ManagementAPI target live in this folder.
import Testing
