"""The paper's claims as rules: one module per chapter, one function per claim.

Each rule takes the values a chapter measured, by name, and returns a `verdicts.Claim` with its
verdict. Each has unit tests in which it says "not reproduced" as well as "reproduced"
(tests/test_claims.py). Checks that hold by construction (shapes, constants) are not claims: they
stay in the tests and in the chapters as checks of the implementation.
"""
