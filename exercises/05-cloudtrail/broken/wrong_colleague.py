"""The answer names a colleague who only read the bucket's policy afterwards.

fails: investigation
"""
import _steps as s

s.everything()
culprit = s.incident()["userIdentity"]["userName"]
s.answer(who=next(n for n in ("amira.haddad", "tom.becker") if n != culprit))
