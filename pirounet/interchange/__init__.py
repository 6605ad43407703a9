"""Motion interchange: read and write the file formats other tools use (docs/interchange.md).

    motion.py         Motion: (T, J, 3) metres z up + its Skeleton + fps, what readers return
    joints3d.py       read_motion: Tang et al. skeletons.json, SMPL CSV, AIST++ keypoint pickles,
                      named (T, J, 3) arrays; dispatches .bvh and .c3d to the readers below
    bvh_read.py       any BVH hierarchy (bvhio), forward kinematics to joint positions
    joint_names.py    body points (pelvis, hands, feet, head, ...) from conventional joint names
    skeleton_file.py  skeleton definition files (JSON): a marker set for C3D, or any joint set
    safe_pickle.py    an unpickler that rebuilds numpy arrays and plain containers only
    c3d.py            labelled 3-D markers in C3D (Vicon, Blender, MotionBuilder), via ezc3d
    bvh.py            a joint hierarchy fitted to VICON_53 marker groups, written as BVH text
    openpose_json.py  2-D dances as OpenPose BODY_25 JSON, one file per frame
    table.py          2-D (or 3-D) dances as CSV, one row per frame
    dances2d.py       `python -m pirounet.interchange.dances2d dance.npz --to=openpose|csv`

Core code: it knows skeletons (pirounet.skeletons), never a system (pirounet.systems.pirounet or
pirounet.systems.learn2dance).
"""
