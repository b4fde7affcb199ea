"""asyncio.TaskGroup: two tasks fail, the group surfaces as an ExceptionGroup."""
import asyncio
import sys


async def fetch_price(sku):
    await asyncio.sleep(0)
    if sku.endswith("7"):
        raise KeyError(sku)
    raise asyncio.TimeoutError


async def refresh(skus):
    async with asyncio.TaskGroup() as tg:
        for sku in skus:
            tg.create_task(fetch_price(sku))


if __name__ == "__main__":
    asyncio.run(refresh([f"SKU-{sys.argv[1]}7", "SKU-1002"]))
