"""asyncio.run: an exception escaping the main coroutine (asyncio frames)."""
import asyncio
import sys


async def fetch_customer(customer_id):
    await asyncio.sleep(0)
    return {"id": customer_id, "tier": None}


async def discount_for(customer_id):
    customer = await fetch_customer(customer_id)
    return customer["tier"].upper()


async def main(customer_id):
    return await discount_for(customer_id)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
