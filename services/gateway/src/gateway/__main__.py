from gateway.bootstrap import NAME, bootstrap
from gateway.settings import Settings
from trainyard_common.cli import service_main


def main() -> None:
    service_main(NAME, Settings, bootstrap)


if __name__ == "__main__":
    main()
