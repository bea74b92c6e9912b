from . import Unsupported, converts


@converts("embedding.default")
def embedding(ctx, node):
    weight, indices = node.args[:2]
    padding_idx = node.args[2] if len(node.args) > 2 else -1
    if len(node.args) > 4 and node.args[4]:
        raise Unsupported("sparse embedding gradients are irrelevant for inference; export with sparse=False")
    del padding_idx  # only affects training
    return ctx.emit("embedding", [ctx.tensor(weight), ctx.tensor(indices)], {}, node)
