//! Budgets and verdicts: the numbers the macro and `CostModel::verdicts` report.

use alphaflops_core::*;

fn mlp() -> ModelCost {
    mlp_on(&Profile::default_profile())
}

fn mlp_on(profile: &Profile) -> ModelCost {
    let mut m = Model::new("mlp", [64, 512]);
    m.push(
        "fc",
        Layer::Linear {
            d_input: 512,
            d_output: 512,
            bias: true,
        },
    );
    m.price(profile).unwrap()
}

#[test]
fn verdicts_compare_each_metric() {
    let cost = mlp();
    let within = Budget {
        metric: Metric::Params,
        limit: 1e6,
    }
    .check(&cost)
    .unwrap();
    assert!(!within.over());
    assert_eq!(within.value, 262_656.0);
    assert!((within.used_pct().unwrap() - 26.2656).abs() < 1e-9);
    assert_eq!(
        within.to_string(),
        "params: 262.66 k params ≤ 1.00 M params (26.3 % of budget) — within budget"
    );
    let over = Budget {
        metric: Metric::Macs,
        limit: 1e6,
    }
    .check(&cost)
    .unwrap();
    assert!(over.over());
    assert_eq!(over.used(), "16.78× the budget");
    let zero = Budget {
        metric: Metric::Flops,
        limit: 0.0,
    }
    .check(&cost)
    .unwrap();
    assert!(zero.over() && zero.used_pct().is_none() && zero.used().is_empty());
    for m in Metric::ALL {
        assert_eq!(Metric::from_key(m.key()), Some(m));
    }
    assert_eq!(Metric::TimeMs.value(&cost), Some(cost.predicted_ms));
}

#[test]
fn energy_needs_power() {
    let cost = mlp();
    assert!(
        Budget {
            metric: Metric::EnergyMj,
            limit: 1.0
        }
        .check(&cost)
        .is_none()
    );
    let mut p = Profile::default_profile();
    p.device.power_w = Some(50.0);
    let cost = mlp_on(&p);
    let v = Budget {
        metric: Metric::EnergyMj,
        limit: 1.0,
    }
    .check(&cost)
    .unwrap();
    assert!(
        (v.value - 50.0 * cost.predicted_ms).abs() < 1e-12,
        "mJ = W × ms"
    );
}
