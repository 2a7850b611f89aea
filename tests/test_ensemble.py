import pytest
import torch

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
