"""Motion interchange: read and write the file formats other tools use (docs/interchange.md).

    c3d.py            labelled 3-D markers in C3D (Vicon, Blender, MotionBuilder), via ezc3d
    bvh.py            a joint hierarchy fitted to VICON_53 marker groups, written as BVH text
    openpose_json.py  2-D dances as OpenPose BODY_25 JSON, one file per frame
    table.py          2-D (or 3-D) dances as CSV, one row per frame
    dances2d.py       `python -m pirounet.interchange.dances2d dance.npz --to=openpose|csv`

Core code: it knows skeletons (pirounet.skeletons), never a system (pirounet.systems.pirounet or
pirounet.systems.learn2dance).
"""
