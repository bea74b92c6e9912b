"""A model file's flatbuffer for tests that check what the exporter wrote (nodes, tensors, attributes)."""
from wasm_torch.serialize import _HEADER, _schema


def read_model(path):
    """The file's flatbuffer Model (the schema's generated reader)."""
    _, _, _, Model, _, _, _ = _schema()
    data = path.read_bytes()
    fb_off, fb_size = _HEADER.unpack_from(data)[3:5]
    return Model.Model.GetRootAs(data[fb_off:fb_off + fb_size], 0)
