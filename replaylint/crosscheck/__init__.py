"""Spec and code agree: the operations of each spec matched to the route handlers that serve them, and the
rules that only the two together can check (RPL401–RPL404).

Each analysed file leaves a small summary of its routes (`FileResult.routes`: cached like its findings);
after every file is analysed, `check.cross_check` matches them and adds its findings to the files they are
about, before exemptions and policy filter them like any other finding.
"""
