from gateway.bootstrap import NAME, bootstrap
from gateway.entrypoints.commands import COMMANDS
from gateway.settings import Settings
from trainyard_common.cli import service_main


def main() -> None:
    service_main(NAME, Settings, bootstrap, COMMANDS)


if __name__ == "__main__":
    main()
