from batchtui.cli import run

run()
