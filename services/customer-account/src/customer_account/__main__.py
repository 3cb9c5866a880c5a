from customer_account.bootstrap import NAME, bootstrap
from customer_account.entrypoints.commands import COMMANDS
from customer_account.settings import Settings
from trainyard_common.cli import service_main


def main() -> None:
    service_main(NAME, Settings, bootstrap, COMMANDS)


if __name__ == "__main__":
    main()
