"""Roles the experiments talk to (Laser, PowerMeter, Scanner, PhotonCounter, TemperatureController),
the bench file that names the instruments filling them, their limits, and the safe state."""
