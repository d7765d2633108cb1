"""The walk's listing cache: a warm walk must find exactly what a fresh walk finds, whatever changed."""
import json
import os
import time

import pytest

from replaylint.cache import Listings
from replaylint.config import Config
from replaylint.discovery import discover

OLD = time.time() - 3600
MARGIN = 0.05  # the racy margin in these tests, in seconds (the tool's is 2 s)


@pytest.fixture(autouse=True)
def short_racy_margin(monkeypatch):
    """A folder is kept once its last change is MARGIN old: `settle` waits that long, so a change made after
    a walk always gets a newer ctime than the one recorded (timestamps have a coarse clock tick)."""
    monkeypatch.setattr(Listings, "RACY_NS", int(MARGIN * 1e9))


def settle(root):
    """Age every folder (and file) of the tree, as if the last change were an hour ago (the ctime cannot be
    set back: wait until it is older than the margin)."""
    for directory, subdirectories, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(directory, name), (OLD, OLD))
        os.utime(directory, (OLD, OLD))
    time.sleep(2 * MARGIN)


def walk(root, **settings):
    """(python inputs, listings) of a walk of `root` that reads and then saves the listing cache."""
    listings = Listings(root)
    previous = os.getcwd()
    os.chdir(root)
    try:
        inputs = discover(["."], Config(root=root, **settings), listings=listings)
    finally:
        os.chdir(previous)
    listings.save()
    return inputs.python, listings


def fresh(root, **settings):
    previous = os.getcwd()
    os.chdir(root)
    try:
        return discover(["."], Config(root=root, **settings)).python
    finally:
        os.chdir(previous)


@pytest.fixture
def tree(tmp_path):
    for name in ("app/api.py", "app/models/order.py", "app/models/user.py", "lib/util.py", "README.md"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    settle(tmp_path)
    return tmp_path


def test_a_warm_walk_reads_listings_and_finds_the_same_files(tree):
    cold, _ = walk(tree)
    settle(tree)  # the first walk made the cache folder: the root changed just now
    walk(tree)
    warm, listings = walk(tree)
    assert warm == cold == fresh(tree)
    assert len(listings._seen) == 4 and all(listings._known.get(d) is r for d, r in listings._seen.items())


def test_added_removed_and_renamed_files_are_seen(tree):
    walk(tree)
    (tree / "app/models/invoice.py").write_text("x = 1\n")
    (tree / "lib/util.py").unlink()
    (tree / "app/api.py").rename(tree / "app/routes.py")
    warm, _ = walk(tree)
    assert warm == fresh(tree)
    assert "app/models/invoice.py" in warm and "app/routes.py" in warm and "lib/util.py" not in warm


def test_a_new_folder_and_a_removed_folder_are_seen(tree):
    walk(tree)
    (tree / "app/payments").mkdir()
    (tree / "app/payments/charge.py").write_text("x = 1\n")
    for name in ("order.py", "user.py"):
        (tree / "app/models" / name).unlink()
    (tree / "app/models").rmdir()
    warm, listings = walk(tree)
    assert warm == fresh(tree) and "app/payments/charge.py" in warm
    saved = json.loads(listings.file.read_text())
    assert not any(directory.endswith(os.sep + "models") for directory in saved)  # gone: dropped


def test_exclusions_and_gitignore_changes_apply_to_cached_listings(tree):
    walk(tree)
    assert "lib/util.py" not in walk(tree, extend_exclude=["lib"])[0]
    (tree / ".gitignore").write_text("models/\n")  # the root folder changes: listed again
    settle(tree)
    walk(tree)
    (tree / ".gitignore").write_text("api.py\n")  # a changed .gitignore alone: the folder's mtime may not move
    settle(tree)
    warm, _ = walk(tree)
    assert warm == fresh(tree) and "app/api.py" not in warm and "app/models/order.py" in warm


def test_a_folder_changed_just_now_is_not_kept(tree, monkeypatch):
    monkeypatch.setattr(Listings, "RACY_NS", 1_000_000_000)  # wide: a slow machine may take a while to walk
    time.sleep(1.1)
    (tree / "lib/new.py").write_text("x = 1\n")  # lib's mtime is now: a change in the same tick could follow
    _, listings = walk(tree)
    assert str(tree / "lib") not in listings._seen
    assert str(tree / "app") in listings._seen


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_folders_holding_links_are_listed_every_time(tree, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "shared.py").write_text("x = 1\n")
    os.symlink(outside, tree / "lib" / "shared")
    settle(tree)
    walk(tree)
    (outside / "more.py").write_text("x = 1\n")  # changes behind the link move no folder of the tree
    warm, listings = walk(tree)
    assert warm == fresh(tree) and "lib/shared/more.py" in warm
    assert str(tree / "lib") not in listings._seen


@pytest.mark.parametrize("damage", ['{"x": 1}', "[1, 2]", "not json", '{"DIR": [1, 2]}', '{"DIR": "STAMP"}',
                                    '{"DIR": "STAMP0//..//"}', '{"DIR": "STAMP0//models//../../etc.py"}',
                                    '{"DIR": "STAMP0////x\\u0000.py"}', '{"DIR": "STAMP9////api.py"}',
                                    '{"DIR": "STAMP0//models/api.py"}', "[" * 100_000])
def test_a_damaged_listing_file_is_ignored(tree, damage):
    _, listings = walk(tree)
    stat = os.stat(tree / "app")
    damage = damage.replace("DIR", str(tree / "app")).replace(
        "STAMP", f"{stat.st_ino}/{stat.st_mtime_ns}.{stat.st_ctime_ns}/")
    listings.file.write_text(damage)
    assert walk(tree)[0] == fresh(tree)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_link_named_like_no_input_still_keeps_its_folder_listed(tree, tmp_path_factory):
    """A link whose target turns from a file into a folder changes nothing in the link's own folder."""
    outside = tmp_path_factory.mktemp("outside")
    (outside / "target").write_text("not a folder yet\n")
    os.symlink(outside / "target", tree / "lib" / "vendor")
    settle(tree)
    walk(tree)
    (outside / "target").unlink()
    (outside / "target").mkdir()
    (outside / "target" / "client.py").write_text("x = 1\n")
    warm, _ = walk(tree)
    assert warm == fresh(tree) and "lib/vendor/client.py" in warm


def test_a_folder_whose_mtime_was_set_back_is_listed_again(tree):
    """`tar -x` and `rsync -a` restore folder times after adding files: the ctime still moves."""
    walk(tree)
    stat = os.stat(tree / "lib")
    (tree / "lib/extracted.py").write_text("x = 1\n")
    os.utime(tree / "lib", ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as it was before
    warm, _ = walk(tree)
    assert "lib/extracted.py" in warm
