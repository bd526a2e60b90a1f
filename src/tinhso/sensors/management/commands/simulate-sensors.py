from tinhso.sensors.management.commands.simulate_sensors import Command

__all__ = ["Command"]
