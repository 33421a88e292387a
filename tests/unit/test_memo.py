"""metrics.memo: windowless values kept up to their bound, windowed ones least recently used out, each built once."""
import threading

from metrics.memo import Memo


def test_each_value_is_built_once_and_windows_go_least_recently_used_first():
    built = []
    memo = Memo(windowed=2, whole=None)

    def get(key, windowless):
        return memo.get(key, windowless, lambda: built.append(key) or f"value of {key}")

    assert get("whole", True) == "value of whole"
    for key in ("w1", "w2", "w1", "w3"):  # w1 used again, so w2 is the least recently used when w3 arrives
        get(key, False)
    assert list(memo.windowed) == ["w1", "w3"]
    for _ in range(5):
        get("whole", True)
    assert built == ["whole", "w1", "w2", "w3"]
    get("w2", False)  # dropped earlier: built again
    assert built[-1] == "w2" and list(memo.windowed) == ["w3", "w2"]


def test_windowless_values_have_their_own_bound_and_windows_never_push_them_out():
    memo = Memo(windowed=1, whole=3)
    for k in range(5):
        memo.get(("whole", k), True, lambda: k)
        memo.get(("window", k), False, lambda: k)
    assert list(memo.whole) == [("whole", 2), ("whole", 3), ("whole", 4)]
    assert list(memo.windowed) == [("window", 4)]
    memo.clear()
    assert not memo.whole and not memo.windowed


def test_racing_threads_keep_one_value():
    memo = Memo(windowed=8)
    start = threading.Barrier(8)
    got = []

    def worker(n):
        start.wait()
        got.append(memo.get("k", False, lambda: n))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(memo.windowed) == 1 and memo.windowed["k"] in got
