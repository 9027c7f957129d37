print("tsxlab")
