import io
import zipfile

from gateway.service_layer.gdpr_export import ExportedFile, _unique_names, zip_stream


def test_the_streamed_zip_holds_every_file_unchanged() -> None:
    files = [ExportedFile("profile.csv", "first_name,last_name\nAda,Lovelace\n"), ExportedFile("orders.csv", "id\n")]
    chunks = list(zip_stream(files))
    assert len(chunks) == len(files) + 1  # one chunk per file as it is written, then the directory
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["profile.csv", "orders.csv"]
        assert archive.read("profile.csv").decode() == files[0].content


def test_colliding_names_are_told_apart_by_service() -> None:
    named = _unique_names([("a", ExportedFile("x.csv", "1")), ("b", ExportedFile("x.csv", "2"))])
    assert [f.name for f in named] == ["x.csv", "b-x.csv"]
