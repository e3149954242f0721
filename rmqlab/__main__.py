from rmqlab.cli import main

main()
