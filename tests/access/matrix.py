"""The expected permissions, written out by hand from DOMAIN.md §1 and the
foundation issue: independent of lianfang.access, so that a leak in the policy
shows up as a difference."""

# Demo units by code, and the subtree each coordination group oversees.
ALL = {"JZ", "JZ-QS", "JZ-QS-MAJ", "JZ-QS-MAJ-ZX", "JZ-QS-SJJ", "JZ-QS-DG", "JZ-QS-TZ"}
COUNTY = ALL - {"JZ"}
MAJ = {"JZ-QS-MAJ"}
SJJ = {"JZ-QS-SJJ"}

# username -> units whose structure (departments, posts, people) the user sees
ORG_VIEW = {
    "admin": ALL,
    "keyuan": MAJ,
    "kezhang": MAJ,
    "fuju": MAJ,
    "juzhang": MAJ,
    "lianban": MAJ,
    "jijian": MAJ,
    "xianjiwei": COUNTY,
    "shijiwei": ALL,
    "shichang": SJJ,
    "nobody": set(),
}

# username -> units whose structure the user may change
ORG_CHANGE = {name: set() for name in ORG_VIEW} | {"admin": ALL, "lianban": MAJ}

# username -> units whose audit trail the user reads (besides their own entries)
AUDIT_VIEW = {name: set() for name in ORG_VIEW} | {
    "admin": ALL, "lianban": MAJ, "jijian": MAJ, "xianjiwei": COUNTY, "shijiwei": ALL,
}


def record_view(username: str, unit: str, department: str | None, post: str | None) -> bool:
    """Who sees a record kept on (unit, department, post)."""
    if username == "admin":
        return True
    if username in ("juzhang", "lianban", "jijian"):
        return unit == "JZ-QS-MAJ"
    if username == "xianjiwei":
        return unit in COUNTY
    if username == "shijiwei":
        return True
    if username == "kezhang":
        return unit == "JZ-QS-MAJ" and department == "SPK"
    if username == "fuju":  # in charge of 安全监察科 and 行政审批科, plus his own post
        return unit == "JZ-QS-MAJ" and (department in ("AJK", "SPK") or post == "L-FJZ1")
    if username == "keyuan":
        return unit == "JZ-QS-MAJ" and post == "SPK-SL"
    if username == "shichang":
        return unit == "JZ-QS-SJJ" and post == "SPG-SL"
    return False


def record_change(username: str, unit: str, department: str | None, post: str | None) -> bool:
    """Supervisors (discipline and coordination groups) read but do not edit,
    except the records of their own post (their own self-check)."""
    own_posts = {"jijian": ("JZ-QS-MAJ", "L-JJZ"), "xianjiwei": ("JZ-QS", "L-XJW"), "shijiwei": ("JZ", "L-SJW")}
    if username in own_posts:
        return (unit, post) == own_posts[username]
    return record_view(username, unit, department, post)
