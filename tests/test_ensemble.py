import pytest
import torch
from torch import nn

from gan_course import losses
from gan_course.models.ensemble import EnsembleLinear, ensemble_mlp


def test_each_model_in_the_ensemble_is_an_independent_mlp():
    net = ensemble_mlp(3, [4, 8, 2], seed=1)
    x = torch.randn(3, 5, 4)
    out = net(x)
    assert out.shape == (3, 5, 2)
    w0, b0, w1, b1 = net[0].weight, net[0].bias, net[2].weight, net[2].bias
    for s in range(3):
        alone = torch.tanh(x[s] @ w0[s] + b0[s]) @ w1[s] + b1[s]
        assert torch.allclose(out[s], alone, atol=1e-6)
    out[1].sum().backward()  # model 1's loss reaches only model 1's weights
    assert net[0].weight.grad[0].abs().sum() == 0 and net[0].weight.grad[2].abs().sum() == 0
    assert net[0].weight.grad[1].abs().sum() > 0


def test_ensemble_is_seeded_and_checks_its_input():
    assert torch.equal(ensemble_mlp(2, [3, 2], seed=4)[0].weight, ensemble_mlp(2, [3, 2], seed=4)[0].weight)
    with pytest.raises(ValueError, match=r"expected input \(S=2, B, 3\), got \(5, 3\)"):
        EnsembleLinear(2, 3, 1)(torch.zeros(5, 3))


def test_the_gradient_penalty_double_backward_keeps_the_models_independent():
    # fake == real makes the mixing points deterministic, so one model alone must get exactly its ensemble slice's gradient
    S, B = 3, 16
    D = ensemble_mlp(S, [2, 8, 8, 1], seed=0)  # tanh: smooth, so the second derivatives are not all zero
    x = torch.randn(S, B, 2, generator=torch.Generator().manual_seed(1))
    penalty = S * losses.gradient_penalty(lambda p: D(p).squeeze(-1), x, x.clone(), weight=1.0, event_dims=1)
    layers = [m for m in D if isinstance(m, EnsembleLinear)]
    grads = torch.autograd.grad(penalty, [p for layer in layers for p in (layer.weight, layer.bias)], allow_unused=True)
    for s in range(S):
        single = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
        linears = [m for m in single if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for mine, theirs in zip(linears, layers):
                mine.weight.copy_(theirs.weight[s].T), mine.bias.copy_(theirs.bias[s, 0])
        alone = losses.gradient_penalty(lambda p: single(p).squeeze(-1), x[s], x[s].clone(), weight=1.0)
        alone_grads = torch.autograd.grad(alone, [p for m in linears for p in (m.weight, m.bias)], allow_unused=True)
        for i, g in enumerate(alone_grads):
            if g is None:  # the output bias never touches the input gradient, in either network
                assert grads[i] is None
                continue
            ensemble_slice = grads[i][s].T if i % 2 == 0 else grads[i][s, 0]
            assert torch.allclose(g, ensemble_slice, atol=1e-6), f"model {s}, parameter {i}"
        assert alone_grads[0].abs().sum() > 0
