"""asyncio: 'Task exception was never retrieved' logged by the asyncio logger."""
import asyncio
import gc
import sys


async def warm_cache(region):
    await asyncio.sleep(0)
    raise ConnectionResetError(f"cache node {region}-3 reset the connection")


async def main(region):
    task = asyncio.get_running_loop().create_task(warm_cache(region), name="warm-cache")
    await asyncio.sleep(0.01)
    del task
    gc.collect()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
