import threading

from core.files import file_made_once


def test_a_file_made_once_is_the_same_for_everyone_who_asks_at_the_same_time(tmp_path) -> None:
    path = tmp_path / "key.txt"
    start = threading.Barrier(8)
    results: list[str] = []

    def ask(n: int) -> None:
        start.wait()
        results.append(file_made_once(path, lambda: f"key-{n}"))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(results)) == 1 and results[0] == path.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["key.txt"]
