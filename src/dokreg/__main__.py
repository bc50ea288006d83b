from dokreg.cli import main

main()
