"""anplab model: the physics engine from the command line, writing CSV.

This is also how a researcher compares measurements with theory: every
subcommand takes the material, temperature and band, and writes a table
(stdout, or ``--out FILE``) that pandas, Origin or a spreadsheet reads.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

# The physics engine, scipy and pandas are imported by the subcommands that use them, not here:
# building the parser (every `anplab ...` call, `--help` included) must stay cheap.
from anplab.simulated.physics.materials import DEFAULT_MATERIAL, MATERIALS, get_material

OPTION_NAMES = {
    "intensity_kw_cm2": "--intensity",
    "peak_intensity_kw_cm2": "--intensity",
    "temperature_k": "--temperature",
    "shell_nm": "--shell",
    "band": "--band",
    "material": "--material",
    "count": "--particles",
    "numerical_aperture": "--na",
    "level": "--intensity",
    "concentration": "--concentration",
    "thermal_conductivity_w_mk": "--heating",
    "heating": "--heating",
}


def finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return value


def concentrations(text: str) -> list[tuple[str | None, float]]:
    """``20`` (the first dopant, mol %) or ``Pr=1,Yb=20``: (species or None, fraction of cation sites)."""
    pairs = []
    for item in text.split(","):
        name, _, value = item.rpartition("=")
        name = name.strip() or None
        if "=" in item and name is None:
            raise argparse.ArgumentTypeError(f"expected SPECIES=PERCENT, got {item.strip()!r}")
        percent = finite_float(value.strip())
        if not 0 < percent <= 100:
            raise argparse.ArgumentTypeError(f"{item.strip()!r}: a concentration is a percentage in (0, 100]")
        pairs.append((name, percent / 100.0))
    if len(pairs) > 1 and any(name is None for name, _ in pairs):
        raise argparse.ArgumentTypeError("give every dopant as SPECIES=PERCENT when setting several")
    return pairs


def count(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def register(commands) -> None:
    model = commands.add_parser(
        "model",
        help="compute S-curves, rise curves, images and temperature curves from the physics engine",
        description=__doc__.split("\n\n")[0],
    )
    sub = model.add_subparsers(dest="model_command", metavar="SUBCOMMAND", required=True)

    def add(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--material", choices=sorted(MATERIALS), default=DEFAULT_MATERIAL, help="material preset")
        p.add_argument("--temperature", type=finite_float, default=300.0, metavar="K", help="sample temperature (K)")
        p.add_argument("--band", default=None, help="emission band (default: the material's main band)")
        p.add_argument("--shell", type=finite_float, default=None, metavar="NM",
                       help="inert shell thickness (nm) (default: the preset's)")
        p.add_argument("--concentration", type=concentrations, default=None, metavar="PERCENT",
                       help="dopant concentration in mol %%: '20' sets the first dopant (Tm in tm-1064), "
                            "'Pr=1,Yb=20' several; ion-ion rates follow their concentration laws "
                            "(default: the preset's, e.g. 8 for tm-1064)")
        p.add_argument("--out", default=None, metavar="FILE", help="write the CSV here (default: stdout)")
        p.set_defaults(handler=handler, option_names=OPTION_NAMES)
        return p

    p = add("s-curve", s_curve, "steady-state emission and local slope against peak pump intensity")
    p.add_argument("--min", type=positive_float, default=None, metavar="KW_CM2",
                   help="lowest intensity (default: threshold / 30)")
    p.add_argument("--max", type=positive_float, default=None, metavar="KW_CM2",
                   help="highest intensity (default: threshold x 30)")
    p.add_argument("--points", type=count(2), default=200, help="number of log-spaced intensities")
    p.add_argument("--beam-averaged", action="store_true",
                   help="emission of a particle layer summed over the pump spot, against the spot's peak "
                        "intensity (photons/s per particle/um^2), with its slope: what ensemble measurements "
                        "report (default: off, a single particle at the spot's centre)")
    p.add_argument("--spot", choices=("gaussian", "airy"), default="gaussian",
                   help="spot profile for --beam-averaged (default: %(default)s)")
    p.add_argument("--na", type=positive_float, default=1.4,
                   help="numerical aperture setting the spot size for --beam-averaged; the slope does not "
                        "depend on it (default: %(default)s)")
    p.add_argument("--heating", type=positive_float, default=None, metavar="W_PER_M_K",
                   help="heat the particle by the pump power it absorbs and does not re-emit, through a "
                        "surrounding medium of this thermal conductivity (water: 0.6), self-consistently; "
                        "adds particle_temperature_k and temperature_rise_k (default: off)")

    p = add("rise", rise, "emission after the pump steps on from dark (and optionally off again)")
    p.add_argument("--intensity", type=finite_float, required=True, metavar="KW_CM2", help="peak pump intensity")
    p.add_argument("--duration", type=positive_float, default=2.0, metavar="S", help="length of the trace (s)")
    p.add_argument("--off-at", type=positive_float, default=None, metavar="S",
                   help="turn the pump off at this time (default: never)")
    p.add_argument("--points", type=count(2), default=2001, help="number of time points")

    p = add("image", image, "PASSI confocal image of a random particle field (long-format CSV)")
    p.add_argument("--intensity", type=finite_float, default=None, metavar="KW_CM2",
                   help="peak pump intensity (default: the one giving the sharpest image)")
    p.add_argument("--particles", type=count(0), default=12, help="number of particles")
    p.add_argument("--fov", type=positive_float, default=10.0, metavar="UM", help="field of view (um, square)")
    p.add_argument("--pixels", type=count(2), default=128, help="pixels per side")
    p.add_argument("--na", type=positive_float, default=1.4, help="objective numerical aperture")
    p.add_argument("--spot", choices=("airy", "gaussian"), default="airy", help="focal spot model")
    p.add_argument("--seed", type=int, default=0, help="seed of the random particle positions")

    p = add("temperature", temperature, "emission, sensitivity and threshold against temperature at fixed pump")
    p.add_argument("--intensity", type=finite_float, default=None, metavar="KW_CM2",
                   help="peak pump intensity (default: 1.1 x the threshold at 300 K)")
    p.add_argument("--min-temperature", type=finite_float, default=None, metavar="K",
                   help="lowest temperature (default: the lowest the material's model covers)")
    p.add_argument("--max-temperature", type=finite_float, default=None, metavar="K",
                   help="highest temperature (default: the highest the material's model covers, at most 400 K)")
    p.add_argument("--points", type=count(2), default=40, help="number of temperatures")

    p = add("summary", summary, "the material's key figures: threshold, S_max, rise times, PASSI widths")
    p.add_argument("--na", type=positive_float, default=1.4, help="objective numerical aperture")

    from anplab.commands import campaign  # its own options: every axis takes a list, not one value

    campaign.register(sub)


def _write(table, out: str | None) -> None:
    if out is None:
        table.to_csv(sys.stdout, index=False, float_format="%.6g")
        return
    try:
        table.to_csv(out, index=False, float_format="%.6g")
    except OSError as error:
        from anplab.cli import UserError

        raise UserError(f"--out: cannot write {out!r}: {error.strerror}") from None


def _material(args):
    material = get_material(args.material)
    if args.shell is not None:
        material = material.with_shell(args.shell)
    for species, fraction in args.concentration or ():
        material = material.with_concentration(fraction, species)
    if args.band is not None:
        material.band_weights(args.band)  # validates the band name
    return material


def _threshold(material, args) -> float:
    from anplab.simulated.physics.characteristics import avalanche_threshold

    return float(avalanche_threshold(material, args.temperature, band=args.band).intensity_kw_cm2)


def s_curve(args) -> None:
    import pandas as pd

    from anplab.simulated.physics.beam_average import beam_averaged_s_curve
    from anplab.simulated.physics.heating import ParticleHeating, heated_steady_state
    from anplab.simulated.physics.steady_state import steady_state

    material = _material(args)
    if args.beam_averaged and args.heating is not None:
        from anplab.cli import UserError

        raise UserError("--heating: not available with --beam-averaged (heating is modelled for one particle)")
    if args.min is None or args.max is None:
        threshold = _threshold(material, args)
    low = args.min if args.min is not None else threshold / 30.0
    high = args.max if args.max is not None else threshold * 30.0
    if high <= low:
        from anplab.cli import UserError

        raise UserError(f"--max ({high:g}) must be above --min ({low:g})")
    intensity = np.geomspace(low, high, args.points)
    if args.beam_averaged:
        spot = _spot(args, material)
        curve = beam_averaged_s_curve(material, intensity, spot, temperature_k=args.temperature, band=args.band)
        table = {"peak_intensity_kw_cm2": intensity, "emission": curve.emission, "slope": curve.slope}
    elif args.heating is not None:
        heated = heated_steady_state(material, intensity, args.temperature, ParticleHeating(args.heating))
        table = {"intensity_kw_cm2": intensity, "emission": heated.emission(args.band),
                 "slope": heated.slope(args.band), "particle_temperature_k": heated.particle_temperature_k,
                 "temperature_rise_k": heated.temperature_rise_k}
    else:
        ss = steady_state(material, intensity, args.temperature)
        table = {"intensity_kw_cm2": intensity, "emission": ss.emission(args.band), "slope": ss.slope(args.band)}
    _write(pd.DataFrame(table), args.out)


def rise(args) -> None:
    import pandas as pd

    from anplab.simulated.physics.pump_waveforms import Step
    from anplab.simulated.physics.transient import transient

    material = _material(args)
    times = np.linspace(0.0, args.duration, args.points)
    waveform = Step(args.intensity, on_s=0.0, off_s=args.off_at)
    trace = transient(material, waveform, times, args.temperature)
    _write(pd.DataFrame({"time_s": times, "emission": trace.emission(args.band)}), args.out)


def _spot(args, material):
    from anplab.simulated.physics.focal_spot import AirySpot, GaussianSpot

    kind = AirySpot if args.spot == "airy" else GaussianSpot
    return kind(material.pump_wavelength_nm, args.na)


def image(args) -> None:
    import pandas as pd

    from anplab.simulated.physics.characteristics import best_passi_intensity
    from anplab.simulated.physics.imaging import passi_image
    from anplab.simulated.physics.samples import ParticleField

    material = _material(args)
    spot = _spot(args, material)
    intensity = args.intensity
    if intensity is None:
        intensity, _ = best_passi_intensity(material, spot, temperature_k=args.temperature, band=args.band)
    field = ParticleField.random(material, args.particles, (args.fov, args.fov), seed=args.seed)
    axis = np.linspace(-args.fov / 2, args.fov / 2, args.pixels)
    picture = passi_image(field, axis, axis, intensity, spot, temperature_k=args.temperature, band=args.band)
    xx, yy = np.meshgrid(axis, axis)
    _write(pd.DataFrame({"x_um": xx.ravel(), "y_um": yy.ravel(), "emission": picture.ravel()}), args.out)


def temperature(args) -> None:
    import pandas as pd

    from anplab.simulated.physics.characteristics import avalanche_threshold, relative_sensitivity
    from anplab.simulated.physics.steady_state import steady_state

    material = _material(args)
    t_min, t_max = material.temperature_range_k
    low = args.min_temperature if args.min_temperature is not None else t_min
    high = args.max_temperature if args.max_temperature is not None else min(t_max, 400.0)
    temps = np.linspace(low, high, args.points)
    intensity = args.intensity
    if intensity is None:
        intensity = 1.1 * float(avalanche_threshold(material, 300.0, band=args.band).intensity_kw_cm2)
    emission = steady_state(material, intensity, temps).emission(args.band)
    threshold = avalanche_threshold(material, temps, band=args.band)
    table = pd.DataFrame(
        {
            "temperature_k": temps,
            "emission": emission,
            "relative_sensitivity_percent_per_k": relative_sensitivity(material, intensity, temps, band=args.band),
            "threshold_kw_cm2": threshold.intensity_kw_cm2,
            "s_max": threshold.s_max,
        }
    )
    _write(table, args.out)


def summary(args) -> None:
    import pandas as pd

    from anplab.simulated.physics.beam_average import beam_averaged_s_curve
    from anplab.simulated.physics.characteristics import avalanche_threshold, best_passi_intensity, rise_time
    from anplab.simulated.physics.focal_spot import AirySpot, GaussianSpot
    from anplab.simulated.physics.imaging import passi_fwhm, power_law_fwhm
    from anplab.simulated.physics.steady_state import steady_state

    material = _material(args)
    band = args.band or material.default_band
    threshold = avalanche_threshold(material, args.temperature, band=band)
    i_th = float(threshold.intensity_kw_cm2)
    rises = rise_time(material, i_th * np.array([0.5, 1.0, 2.0]), args.temperature, band=band)
    spot = AirySpot(material.pump_wavelength_nm, args.na)
    best_i, best_fwhm = best_passi_intensity(material, spot, temperature_k=args.temperature, band=band)
    twice = float(passi_fwhm(material, 2 * i_th, spot, temperature_k=args.temperature, band=band))
    slope_twice = float(steady_state(material, 2 * i_th, args.temperature).slope(band))
    around = i_th * np.geomspace(0.5, 3.0, 400)
    averaged = beam_averaged_s_curve(material, around, GaussianSpot(material.pump_wavelength_nm, args.na),
                                     temperature_k=args.temperature, band=band)
    k = int(np.argmax(averaged.slope))
    rows = [
        ("material", material.key),
        ("composition", material.title),
        ("temperature_k", args.temperature),
        ("band", band),
        ("threshold_kw_cm2", i_th),
        ("s_max", float(threshold.s_max)),
        ("beam_averaged_s_max_gaussian", float(averaged.slope[k])),
        ("beam_averaged_s_max_at_peak_kw_cm2", float(around[k])),
        ("t90_s_at_half_threshold", float(rises.t90_s[0])),
        ("t90_s_at_threshold", float(rises.t90_s[1])),
        ("t90_s_at_twice_threshold", float(rises.t90_s[2])),
        ("passi_best_intensity_kw_cm2", best_i),
        ("passi_best_fwhm_nm", best_fwhm),
        ("passi_fwhm_nm_at_twice_threshold", twice),
        ("power_law_fwhm_nm_at_twice_threshold",
         float(power_law_fwhm(material.pump_wavelength_nm, args.na, slope_twice))),
    ]
    _write(pd.DataFrame(rows, columns=["quantity", "value"]), args.out)
