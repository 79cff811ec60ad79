from anplab.cli import main

raise SystemExit(main())
